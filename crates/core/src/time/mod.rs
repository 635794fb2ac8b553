//! Time as responders and policies read it: UTC instants and their text,
//! IANA time zones, business days, and how long to wait before a retry.

pub mod backoff;
pub mod business_day;
pub mod utc;
pub mod zone;
