pub mod declare;
pub mod incident_list;
pub mod incident_room;
pub mod plan_maintenance;
pub mod settings;
pub mod upstreams;
