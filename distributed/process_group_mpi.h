#pragma once
// The MPI transport of ProcessGroup (process_group.h). Its .cpp is the only file of descent that
// includes <mpi.h>; nothing here names an MPI type, so code that uses a process group never
// needs MPI's headers. Only the standard MPI C API is used (Open MPI and MPICH both work).
#include <chrono>
#include <memory>

#include "distributed/process_group.h"

namespace descent::distributed {

// Initializes MPI (unless the program already did) asking for MPI_THREAD_MULTIPLE, and makes a
// process group over a private copy of MPI_COMM_WORLD: the world mpirun (or srun) started.
// Destroying the group frees the copy and finalizes MPI if this call initialized it.
std::unique_ptr<ProcessGroup> make_mpi_process_group(std::chrono::milliseconds timeout);

}  // namespace descent::distributed
