// TrainingState (see training_state.h): a list of named pieces saved into one archive, plus the
// default generator and the epoch count.
#include "optim/training_state.h"

#include <stdexcept>

#include "tensor/check.h"
#include "tensor/random.h"

namespace descent::optim {
namespace {

const char* const kReserved[] = {"epoch", "generator", "pieces"};

std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ",") + n;
  return s;
}

std::string listed(const std::string& joined) { return "[" + (joined.empty() ? std::string("nothing") : joined) + "]"; }

}  // namespace

TrainingState& TrainingState::add_piece(const std::string& name, SaveFn save, LoadFn load) {
  CHECK(!name.empty() && name.find('.') == std::string::npos && name.find(',') == std::string::npos,
        "TrainingState: a piece's name must be non-empty without '.' or ',', got '", name, "'");
  for (const char* reserved : kReserved) CHECK(name != reserved, "TrainingState: '", name, "' is a reserved name");
  for (const auto& p : pieces_) CHECK(p.name != name, "TrainingState: a piece named '", name, "' was already added");
  pieces_.push_back({name, std::move(save), std::move(load)});
  return *this;
}

std::vector<std::string> TrainingState::names() const {
  std::vector<std::string> out;
  for (const auto& p : pieces_) out.push_back(p.name);
  return out;
}

void TrainingState::set_epoch(int64_t epoch) {
  CHECK(epoch >= 0, "TrainingState: epoch must be >= 0, got ", epoch);
  epoch_ = epoch;
}

void TrainingState::save(serialize::OutputArchive& archive, const std::string& prefix) const {
  archive.write(prefix + "pieces", join(names()));
  archive.write(prefix + "epoch", epoch_);
  // uint64 counters are stored in int64 entries: the conversion round-trips every value.
  const Generator& gen = default_generator();
  archive.write(prefix + "generator.seed", static_cast<int64_t>(gen.seed()));
  archive.write(prefix + "generator.offset", static_cast<int64_t>(gen.offset()));
  for (const auto& p : pieces_) p.save(archive, prefix + p.name + ".");
}

void TrainingState::load(const serialize::InputArchive& archive, const std::string& prefix) {
  const std::string where = "training state " + archive.path();
  if (!archive.contains(prefix + "pieces"))
    throw std::runtime_error(where + ": not a training state (no '" + prefix +
                             "pieces' entry); is it a model checkpoint?");
  // The same pieces, or nothing at all: a state from a run with another schedule or without early
  // stopping would otherwise load partly.
  const std::string stored = archive.read_string(prefix + "pieces"), expected = join(names());
  if (stored != expected)
    throw std::runtime_error(where + ": holds " + listed(stored) + " but this run has " + listed(expected) +
                             " (was it written with other flags?)");
  const int64_t epoch = archive.read_int(prefix + "epoch");
  const int64_t seed = archive.read_int(prefix + "generator.seed");
  const int64_t offset = archive.read_int(prefix + "generator.offset");
  if (epoch < 0) throw std::runtime_error(where + ": negative epoch " + std::to_string(epoch));

  for (const auto& p : pieces_) p.load(archive, prefix + p.name + ".");
  epoch_ = epoch;
  default_generator().set_state(static_cast<uint64_t>(seed), static_cast<uint64_t>(offset));
}

}  // namespace descent::optim
