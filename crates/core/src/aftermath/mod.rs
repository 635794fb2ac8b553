//! After an incident: the post-mortem assembled from the log, figures across
//! incidents (time to detect and resolve), and the change freeze that a
//! customer-impacting incident starts.

pub mod customers;
pub mod freeze;
pub mod maintenance_freeze;
pub mod metrics;
pub mod postmortem;
