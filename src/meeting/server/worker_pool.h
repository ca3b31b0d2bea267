// A fixed pool of worker threads with a bounded FIFO queue. The server runs control requests on
// a pool of one (so each connection's requests keep their order and the store is touched off the
// I/O threads) and homomorphic service jobs (issue #7) on a separate pool, so FHE work never
// stalls media relay on the I/O threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace v100::meeting::server {

/// Bounded thread pool. Thread-safe.
class WorkerPool {
 public:
  /// Starts `threads` (>= 1) workers; at most `max_queue` tasks wait (running ones excluded).
  WorkerPool(int threads, size_t max_queue);
  /// Stops (see stop()) and joins.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Queues a task; false if the queue is full or the pool is stopping (the task is not run).
  /// Tasks must not throw (an escaping exception is caught and dropped).
  bool try_submit(std::function<void()> task);

  /// Stops accepting tasks, runs the ones already queued, joins the workers. Idempotent.
  void stop();

  /// Tasks waiting (not running).
  size_t queued() const;
  /// Tasks waiting or running.
  size_t pending() const;
  /// Number of worker threads.
  size_t size() const { return threads_.size(); }

 private:
  void run();
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  size_t max_queue_;
  size_t running_ = 0;
  bool stopping_ = false;
};

}  // namespace v100::meeting::server
