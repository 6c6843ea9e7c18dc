#pragma once
// descent's distributed training, in one include: `#include <descent/distributed.h>` and link
// descent::distributed (built when CMake finds MPI). Separate from <descent/descent.h> because
// it is the only part of descent that needs MPI. Launch with mpirun; docs/distributed.md.
#include "descent.h"
#include "distributed/collectives.h"
#include "distributed/ddp.h"
#include "distributed/distributed_sampler.h"
#include "distributed/process_group.h"
