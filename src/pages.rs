pub mod comms;
pub mod declare;
pub mod incident_list;
pub mod incident_room;
pub mod settings;
pub mod upstreams;
