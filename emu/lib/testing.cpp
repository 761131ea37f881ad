// SPDX-License-Identifier: BSL-1.0
#include "testing/machemu_testing.h"

#include "lib/runtime.hpp"

using machemu::lib::runtime;

extern "C" {

machemu_task_t machemu_task_create(void) {
  runtime& rt = runtime::get();
  auto lk = rt.lock();
  return reinterpret_cast<machemu_task_t>(rt.create_test_task());
}

void machemu_task_destroy(machemu_task_t task) {
  runtime& rt = runtime::get();
  auto lk = rt.lock();
  rt.destroy_test_task(reinterpret_cast<machemu::kern::task*>(task));
}

void machemu_task_switch(machemu_task_t task) {
  runtime::get().set_thread_task(reinterpret_cast<machemu::kern::task*>(task));
}

unsigned long machemu_port_count(void) {
  runtime& rt = runtime::get();
  auto lk = rt.lock();
  return rt.core().port_count();
}

}  // extern "C"
