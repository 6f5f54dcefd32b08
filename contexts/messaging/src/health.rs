//! Whether a background worker is doing its job right now, for readiness probes.

use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc,
};

/// A shared flag a worker raises while it is connected and working and lowers when it is not.
#[derive(Clone, Debug)]
pub struct WorkerStatus {
    name: Arc<str>,
    running: Arc<AtomicBool>,
}

impl WorkerStatus {
    pub fn new(name: impl Into<Arc<str>>) -> Self {
        Self {
            name: name.into(),
            running: Arc::new(AtomicBool::new(false)),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn is_running(&self) -> bool {
        self.running.load(Ordering::Acquire)
    }

    pub fn set_running(&self, running: bool) {
        self.running.store(running, Ordering::Release);
    }
}
