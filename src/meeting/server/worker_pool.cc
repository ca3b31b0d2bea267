#include "meeting/server/worker_pool.h"

#include <stdexcept>

namespace v100::meeting::server {

WorkerPool::WorkerPool(int threads, size_t max_queue) : max_queue_(max_queue) {
  if (threads < 1) throw std::invalid_argument("WorkerPool: threads must be >= 1");
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

WorkerPool::~WorkerPool() {
  stop();
}

bool WorkerPool::try_submit(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= max_queue_) return false;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void WorkerPool::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  std::lock_guard lock(mu_);
  threads_.clear();
}

size_t WorkerPool::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

size_t WorkerPool::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size() + running_;
}

void WorkerPool::run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    try {
      task();
    } catch (...) {
      // A task must not take a worker down; handlers report errors through their own replies.
    }
    task = nullptr;  // its captures go before the task counts as done
    std::lock_guard lock(mu_);
    --running_;
  }
}

}  // namespace v100::meeting::server
