pub mod declare;
pub mod incident_list;
pub mod incident_room;
pub mod metrics;
pub mod plan_maintenance;
pub mod postmortem;
pub mod settings;
pub mod upstreams;
