#include "media/replay_window.h"

namespace v100::media {

ReplayWindow::ReplayWindow(size_t size) : bits_(size < 64 ? 1 : (size + 63) / 64, 0) {}

bool ReplayWindow::check(uint64_t ctr) const {
  if (!any_ || ctr > highest_) return true;
  if (highest_ - ctr >= size()) return false;  // older than the window: cannot tell, so refuse
  return !test_bit(ctr);
}

void ReplayWindow::accept(uint64_t ctr) {
  if (!any_ || ctr > highest_) {
    // Slide: counters in (highest_, ctr) were not seen; clear their (recycled) bits.
    const uint64_t gap = any_ ? ctr - highest_ : ~uint64_t{0};
    if (gap >= size()) {
      for (auto& w : bits_) w = 0;
    } else {
      for (uint64_t c = highest_ + 1; c < ctr; ++c) clear_bit(c);
      clear_bit(ctr);
    }
    highest_ = ctr;
    any_ = true;
  }
  set_bit(ctr);
}

}  // namespace v100::media
