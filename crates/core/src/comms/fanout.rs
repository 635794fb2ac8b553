//! One update's delivery to many recipients (email subscribers, webhook
//! subscribers) reported as one `update_delivery` per channel: what the
//! comms desk shows in that channel's row. Queued while any recipient
//! waits; then sent, or failed naming who and the receiving server's own
//! words, with Retry sending again only to those who did not get it.

use crate::comms::DeliveryState;

/// Longest detail text: it names a few recipients with their servers' words.
pub const MAX_DETAIL_CHARS: usize = 600;

/// Where one recipient's copy stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Copy {
    Waiting,
    Sent,
    Failed,
}

/// A recipient's outcome, for the summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// How the desk names the recipient (an email address, a host).
    pub recipient: String,
    pub state: Copy,
    /// The receiving server's words when it failed.
    pub error: String,
}

/// The channel's state and the desk's detail text.
pub fn summarize(noun: (&str, &str), outcomes: &[Outcome]) -> (DeliveryState, String) {
    let total = outcomes.len();
    let count = |s: Copy| outcomes.iter().filter(|o| o.state == s).count();
    let (sent, failed, waiting) = (count(Copy::Sent), count(Copy::Failed), count(Copy::Waiting));
    let of = |n: usize| if n == 1 { noun.0 } else { noun.1 };
    if total == 0 {
        return (
            DeliveryState::Sent,
            format!("no confirmed {} to send to", noun.1),
        );
    }
    if waiting > 0 {
        return (
            DeliveryState::Queued,
            format!("sent to {sent} of {total} {}; {waiting} waiting", of(total)),
        );
    }
    if failed == 0 {
        return (DeliveryState::Sent, format!("sent to {sent} {}", of(sent)));
    }
    let first: Vec<String> = outcomes
        .iter()
        .filter(|o| o.state == Copy::Failed)
        .take(3)
        .map(|o| format!("{}: {}", o.recipient, o.error))
        .collect();
    let more = if failed > first.len() {
        format!("; and {} more", failed - first.len())
    } else {
        String::new()
    };
    let text = format!(
        "failed for {failed} of {total} {}: {}{more}",
        of(total),
        first.join("; ")
    );
    (DeliveryState::Failed, clip(&text))
}

fn clip(s: &str) -> String {
    if s.chars().count() <= MAX_DETAIL_CHARS {
        return s.to_string();
    }
    let c: String = s.chars().take(MAX_DETAIL_CHARS - 1).collect();
    format!("{c}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(r: &str, state: Copy, error: &str) -> Outcome {
        Outcome {
            recipient: r.into(),
            state,
            error: error.into(),
        }
    }

    const MAIL: (&str, &str) = ("subscriber", "subscribers");

    #[test]
    fn a_channel_is_queued_while_anyone_waits_then_sent_or_failed_with_the_servers_words() {
        let mut all = vec![
            o("ana@example.com", Copy::Sent, ""),
            o("bo@example.com", Copy::Waiting, ""),
        ];
        assert_eq!(
            summarize(MAIL, &all),
            (
                DeliveryState::Queued,
                "sent to 1 of 2 subscribers; 1 waiting".into()
            )
        );
        all[1].state = Copy::Sent;
        assert_eq!(
            summarize(MAIL, &all),
            (DeliveryState::Sent, "sent to 2 subscribers".into())
        );
        all[1] = o(
            "bo@example.com",
            Copy::Failed,
            "550 5.1.1 mailbox unavailable",
        );
        assert_eq!(
            summarize(MAIL, &all),
            (
                DeliveryState::Failed,
                "failed for 1 of 2 subscribers: bo@example.com: 550 5.1.1 mailbox unavailable"
                    .into()
            )
        );
    }

    #[test]
    fn many_failures_name_the_first_few() {
        let all: Vec<Outcome> = (0..10)
            .map(|i| o(&format!("u{i}@example.com"), Copy::Failed, "421 try later"))
            .collect();
        let (state, text) = summarize(MAIL, &all);
        assert_eq!(state, DeliveryState::Failed);
        assert!(text.ends_with("; and 7 more"), "{text}");
    }

    #[test]
    fn nobody_to_send_to_is_done_and_says_so() {
        assert_eq!(
            summarize(MAIL, &[]),
            (
                DeliveryState::Sent,
                "no confirmed subscribers to send to".into()
            )
        );
    }
}
