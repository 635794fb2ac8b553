//! The templates a new workspace starts with, one per phase. Kept apart from
//! template filling so the workspace (which falls back to them) and the
//! filling (which reads the workspace) do not import each other.

use crate::comms::{Channels, Phase};

fn channels(status_page: &str, social: &str, subject: &str, body: &str, banner: &str) -> Channels {
    Channels {
        status_page: status_page.into(),
        social: social.into(),
        email_subject: subject.into(),
        email_body: body.into(),
        banner: banner.into(),
    }
}

/// The templates a new workspace starts with: plain words, no promises of
/// a fix time, no blame, and a next-update time whenever one is due.
pub fn default_for(phase: Phase) -> Channels {
    match phase {
        Phase::Investigating => channels(
            "**Investigating** — We are investigating reports of problems with {{components}}, starting at {{start_utc}} ({{start_local}}).\n\nSome customers may be unable to use these services normally. We will post our next update by {{next_update}}.",
            "We're investigating problems with {{components}} since {{start_utc}}. Next update by {{next_update}}.",
            "[Investigating] {{title}}",
            "Hello,\n\nWe are investigating problems with {{components}} that began at {{start_utc}} ({{start_local}}). Some of you may be unable to use these services normally.\n\nWe will send our next update by {{next_update}} ({{next_update_local}}), or sooner if anything changes.\n\nWe are sorry for the disruption.",
            "We're investigating problems with {{components}}. Next update by {{next_update}}.",
        ),
        Phase::Identified => channels(
            "**Identified** — We have identified the cause of the problems with {{components}} and are working on a fix.\n\nWe will post our next update by {{next_update}}.",
            "We've found the cause of the problems with {{components}} and are working on a fix. Next update by {{next_update}}.",
            "[Identified] {{title}}",
            "Hello,\n\nWe have identified the cause of the problems with {{components}} that began at {{start_utc}} ({{start_local}}) and are working on a fix.\n\nWe will send our next update by {{next_update}} ({{next_update_local}}).",
            "We've found the cause of the problems with {{components}} and are working on a fix.",
        ),
        Phase::Monitoring => channels(
            "**Monitoring** — A fix has been applied for the problems with {{components}}. We are watching closely to make sure it holds.\n\nWe will post our next update by {{next_update}}.",
            "A fix is in place for {{components}} and we're monitoring it. Next update by {{next_update}}.",
            "[Monitoring] {{title}}",
            "Hello,\n\nA fix has been applied for the problems with {{components}} that began at {{start_utc}} ({{start_local}}). We are monitoring to make sure it holds.\n\nWe will send our next update by {{next_update}} ({{next_update_local}}).",
            "A fix is in place for {{components}}; we're monitoring it.",
        ),
        Phase::Resolved => channels(
            "**Resolved** — The problems with {{components}} that began at {{start_utc}} ({{start_local}}) are resolved and all services are working normally.\n\nWhat happened: {{cause}}\n\nYour data: {{customer_data}}\n\nWe are sorry for the disruption.",
            "Resolved: {{components}} are working normally again. Sorry for the disruption.",
            "[Resolved] {{title}}",
            "Hello,\n\nThe problems with {{components}} that began at {{start_utc}} ({{start_local}}) are resolved.\n\nWhat happened: {{cause}}\n\nYour data: {{customer_data}}\n\nWe are sorry for the disruption.",
            "Resolved: {{components}} are working normally again.",
        ),
        Phase::MaintenanceScheduled => channels(
            "**Scheduled maintenance** — We will carry out maintenance on {{components}} from {{start_utc}} ({{start_local}}) until {{end_utc}} ({{end_local}}). Some features may be briefly unavailable.",
            "Scheduled maintenance on {{components}} from {{start_utc}}. Some features may be briefly unavailable.",
            "[Scheduled maintenance] {{title}}",
            "Hello,\n\nWe will carry out maintenance on {{components}} from {{start_utc}} ({{start_local}}) until {{end_utc}} ({{end_local}}). Some features may be briefly unavailable.",
            "Maintenance on {{components}} from {{start_local}}.",
        ),
        Phase::MaintenanceInProgress => channels(
            "**Maintenance in progress** — Maintenance on {{components}} is under way. We will post our next update by {{next_update}}.",
            "Maintenance on {{components}} is under way. Next update by {{next_update}}.",
            "[Maintenance in progress] {{title}}",
            "Hello,\n\nMaintenance on {{components}} is under way. We will send our next update by {{next_update}} ({{next_update_local}}).",
            "Maintenance on {{components}} is under way.",
        ),
        Phase::MaintenanceCompleted => channels(
            "**Maintenance completed** — Maintenance on {{components}} is complete and all services are working normally.",
            "Maintenance on {{components}} is complete. Thanks for your patience.",
            "[Maintenance completed] {{title}}",
            "Hello,\n\nMaintenance on {{components}} is complete and all services are working normally. Thank you for your patience.",
            "Maintenance on {{components}} is complete.",
        ),
        Phase::MaintenanceOverrunning => channels(
            "**Maintenance overrunning** — Maintenance on {{components}} is taking longer than planned. We are sorry for the inconvenience and will post our next update by {{next_update}}.",
            "Maintenance on {{components}} is taking longer than planned. Next update by {{next_update}}.",
            "[Maintenance overrunning] {{title}}",
            "Hello,\n\nMaintenance on {{components}} is taking longer than planned. We are sorry for the inconvenience and will write again by {{next_update}} ({{next_update_local}}).",
            "Maintenance on {{components}} is taking longer than planned.",
        ),
        // After approval, with the same checks; what happened to customer
        // data must be said (see checks::POSTMORTEM_DATA).
        Phase::Postmortem => channels(
            "**Post-mortem** — On {{start_utc}} ({{start_local}}) {{components}} stopped working normally for some customers.\n\nWhat happened: {{cause}}\n\nYour data: {{customer_data}}\n\nWhat we are changing so it does not happen again: {{changes}}\n\nWe are sorry for the disruption.",
            "Our post-mortem of the problems with {{components}} is published on our status page.",
            "[Post-mortem] {{title}}",
            "Hello,\n\nWe have finished our review of the problems with {{components}} that began at {{start_utc}} ({{start_local}}).\n\nWhat happened: {{cause}}\n\nYour data: {{customer_data}}\n\nWhat we are changing so it does not happen again: {{changes}}\n\nWe are sorry for the disruption.",
            "Our post-mortem of the problems with {{components}} is published.",
        ),
    }
}
