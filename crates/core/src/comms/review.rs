//! Who may move a customer update through review (draft → approved →
//! published), and why not: the console disables a button with this reason.

use crate::comms::checks::{self, Finding};
use crate::comms::policy::CommsPolicy;
use crate::comms::{CheckOverride, CustomerUpdate, Review};
use crate::incident::Incident;
use crate::log::access::Role;
use crate::log::event::{Event, EventBody};
use crate::vocabulary::{EventId, IncidentId};
use crate::workspace::Workspace;
use std::collections::{BTreeSet, HashMap, HashSet};

fn communicator(role: Option<Role>, verb: &str) -> Result<(), String> {
    match role {
        Some(r) if r >= Role::Communicator => Ok(()),
        Some(r) => Err(format!(
            "Only communicators can {verb} customer updates; you are signed in as a {r}."
        )),
        None => Err(format!(
            "Sign in as a communicator to {verb} customer updates."
        )),
    }
}

/// Drafting a new update.
pub fn may_draft(role: Option<Role>) -> Result<(), String> {
    communicator(role, "draft")
}

pub fn may_edit(update: &CustomerUpdate, role: Option<Role>) -> Result<(), String> {
    communicator(role, "edit")?;
    if update.review == Review::Published {
        return Err("This update is published; draft a new one to say more.".into());
    }
    Ok(())
}

/// Marking a published update's social post as posted.
pub fn may_mark_posted(role: Option<Role>) -> Result<(), String> {
    communicator(role, "mark social posts of")
}

/// Asking sitrep-server to deliver a failed update again.
pub fn may_retry(role: Option<Role>) -> Result<(), String> {
    communicator(role, "retry")
}

/// The one review rule the backend enforces as well as the console: under a
/// policy of approval by someone else, the last editor's approval of a
/// draft is refused, whatever client sent it.
pub fn self_approval(update: &CustomerUpdate, me: &str, policy: &CommsPolicy) -> Option<String> {
    (policy.approval_by_other && update.review == Review::Draft && &*update.edited_by == me).then(
        || {
            format!(
                "{me} wrote the current text of this update; the comms policy asks someone else to approve it"
            )
        },
    )
}

pub fn may_approve(
    update: &CustomerUpdate,
    me: &str,
    role: Option<Role>,
    policy: &CommsPolicy,
) -> Result<(), String> {
    communicator(role, "approve")?;
    match update.review {
        Review::Approved => return Err("Already approved.".into()),
        Review::Published => return Err("Already published.".into()),
        Review::Draft => {}
    }
    if policy.approval_by_other && &*update.edited_by == me {
        return Err(
            "You wrote the current text; the comms policy asks someone else to approve it.".into(),
        );
    }
    Ok(())
}

/// The failing checks that have no override with a reason.
pub fn unanswered<'a>(findings: &'a [Finding], overrides: &[CheckOverride]) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| {
            !overrides
                .iter()
                .any(|o| o.check == f.check && !o.reason.trim().is_empty())
        })
        .collect()
}

/// The Publish button's rule, and the backend's: approved (by someone
/// other than the last editor when the policy asks), every failing check
/// answered by an override with a reason, at least one target.
pub fn may_publish(
    update: &CustomerUpdate,
    role: Option<Role>,
    findings: &[Finding],
    overrides: &[CheckOverride],
    targets: &[String],
    policy: &CommsPolicy,
) -> Result<(), String> {
    communicator(role, "publish")?;
    match update.review {
        Review::Draft => return Err("Approve this draft before publishing it.".into()),
        Review::Published => return Err("Already published.".into()),
        Review::Approved => {}
    }
    // An approval given while the policy was off does not count once it is on.
    if policy.approval_by_other && update.approved_by.as_deref() == Some(&*update.edited_by) {
        return Err(format!(
            "{} approved their own text; the comms policy asks someone else to approve it.",
            update.edited_by
        ));
    }
    let open = unanswered(findings, overrides);
    if !open.is_empty() {
        return Err(format!(
            "{} failing check{} need{} fixing or an override with a reason.",
            open.len(),
            if open.len() == 1 { "" } else { "s" },
            if open.len() == 1 { "s" } else { "" },
        ));
    }
    if targets.is_empty() {
        return Err("Choose at least one place to publish to.".into());
    }
    Ok(())
}

/// Why a backend must refuse this `update_published`, judged against the
/// incident and settings as the backend holds them: the same rule as
/// [`may_publish`], with the checks run here rather than trusted from the
/// client. The reason names the failing checks left without a reason.
pub fn publish_refusal(
    incident: &Incident,
    workspace: &Workspace,
    update: &EventId,
    role: Option<Role>,
    targets: &[String],
    overrides: &[CheckOverride],
) -> Option<String> {
    let Some(u) = incident.update(update) else {
        return Some(format!("there is no update {update} in this incident"));
    };
    let findings = checks::run(&checks::Draft::of(u), incident, workspace);
    let why = may_publish(u, role, &findings, overrides, targets, &workspace.comms).err()?;
    let open = unanswered(&findings, overrides);
    if open.is_empty() {
        return Some(why);
    }
    let named: Vec<String> = open
        .iter()
        .map(|f| format!("{} ({})", f.check, f.message))
        .collect();
    Some(format!(
        "{why} Failing checks without an override: {}",
        named.join("; ")
    ))
}

/// The overrides to record: only those for checks that fail now, with
/// their reasons trimmed.
pub fn overrides_to_record(
    findings: &[Finding],
    overrides: &[CheckOverride],
) -> Vec<CheckOverride> {
    overrides
        .iter()
        .filter(|o| findings.iter().any(|f| f.check == o.check) && !o.reason.trim().is_empty())
        .map(|o| CheckOverride {
            check: o.check.clone(),
            reason: o.reason.trim().to_string(),
        })
        .collect()
}

/// The incidents a batch approves or publishes updates of: the streams the
/// backend must read (with the workspace's) for `batch_refusal`.
pub fn streams_to_review(batch: &[Event]) -> BTreeSet<IncidentId> {
    batch
        .iter()
        .filter(|e| is_review(&e.body) && !e.incident.is_workspace())
        .map(|e| e.incident.clone())
        .collect()
}

pub(crate) fn is_review(body: &EventBody) -> bool {
    matches!(
        body,
        EventBody::UpdateApproved { .. } | EventBody::UpdatePublished { .. }
    )
}

/// The backend's review of a batch: the first approval or publish it must
/// refuse, with the reason, as (index in the batch, reason). `stored` holds
/// the workspace stream and each stream of `streams_to_review`, each in log
/// order. Each stream is folded once and the batch applied on top in order,
/// so a draft and its publish in one batch are judged together and a batch
/// of 500 approvals costs one fold, not 500. An event already stored (or
/// repeated in the batch) is a retry and passes: delivery stays exactly once.
pub fn batch_refusal(
    stored: &[Event],
    batch: &[Event],
    role: Option<Role>,
) -> Option<(usize, String)> {
    let reviewed = streams_to_review(batch);
    if reviewed.is_empty() {
        return None;
    }
    let mut folds = Folds {
        workspace: Workspace::default(),
        incidents: reviewed.iter().map(|id| (id.clone(), None)).collect(),
    };
    let mut seen: HashSet<&EventId> = HashSet::new();
    for ev in stored {
        if seen.insert(&ev.id) {
            folds.apply(ev);
        }
    }
    for (i, ev) in batch.iter().enumerate() {
        if !seen.insert(&ev.id) {
            continue;
        }
        if is_review(&ev.body) && !ev.incident.is_workspace() {
            let incident = folds.incidents.get(&ev.incident).and_then(Option::as_ref);
            if let Some(why) = review_refusal(ev, incident, &folds.workspace, role) {
                return Some((i, why));
            }
        }
        folds.apply(ev);
    }
    None
}

/// The workspace and the reviewed incidents, folded as events arrive.
struct Folds {
    workspace: Workspace,
    incidents: HashMap<IncidentId, Option<Incident>>,
}

impl Folds {
    fn apply(&mut self, ev: &Event) {
        if ev.incident.is_workspace() {
            self.workspace.apply(ev);
        } else if let Some(slot) = self.incidents.get_mut(&ev.incident) {
            slot.get_or_insert_with(|| Incident::new(ev.incident.clone()))
                .apply(ev);
        }
    }
}

/// Why the backend refuses this approval or publish, judged against the
/// incident and settings as they stand just before it.
pub(crate) fn review_refusal(
    ev: &Event,
    incident: Option<&Incident>,
    workspace: &Workspace,
    role: Option<Role>,
) -> Option<String> {
    match &ev.body {
        EventBody::UpdateApproved { update } => incident
            .and_then(|inc| inc.update(update))
            .and_then(|u| self_approval(u, &ev.author, &workspace.comms)),
        EventBody::UpdatePublished {
            update,
            targets,
            overrides,
        } => match incident {
            Some(inc) => publish_refusal(inc, workspace, update, role, targets, overrides),
            None => Some(format!("there is no incident {}", ev.incident)),
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comms::{Channels, Phase};
    use crate::vocabulary::EventId;
    use std::collections::BTreeMap;
    use std::sync::Arc;

    fn draft_by(who: &str) -> CustomerUpdate {
        CustomerUpdate::drafted(
            EventId("u".into()),
            Phase::Investigating,
            Channels::default(),
            BTreeMap::new(),
            Arc::from(who),
            0,
        )
    }

    fn finding(check: &'static str) -> Finding {
        Finding {
            check,
            message: String::new(),
        }
    }

    const C: Option<Role> = Some(Role::Communicator);

    #[test]
    fn the_last_editor_cannot_approve_under_the_policy_but_someone_else_can() {
        let u = draft_by("cody");
        let p = CommsPolicy::default();
        assert!(may_approve(&u, "cody", C, &p)
            .unwrap_err()
            .contains("someone else"));
        assert!(may_approve(&u, "carl", C, &p).is_ok());
    }

    #[test]
    fn without_the_policy_the_author_may_approve() {
        let u = draft_by("cody");
        let p = CommsPolicy {
            approval_by_other: false,
            ..CommsPolicy::default()
        };
        assert!(may_approve(&u, "cody", C, &p).is_ok());
    }

    #[test]
    fn an_edit_makes_the_editor_the_one_who_cannot_approve() {
        let mut u = draft_by("cody");
        u.edit(
            Phase::Investigating,
            Channels::default(),
            BTreeMap::new(),
            None,
            Arc::from("carl"),
        );
        let p = CommsPolicy::default();
        assert!(may_approve(&u, "cody", C, &p).is_ok());
        assert!(may_approve(&u, "carl", C, &p).is_err());
    }

    #[test]
    fn responders_and_viewers_are_told_they_need_the_communicator_role() {
        let u = draft_by("cody");
        let p = CommsPolicy::default();
        let e = may_approve(&u, "ana", Some(Role::Responder), &p).unwrap_err();
        assert!(e.contains("signed in as a responder"), "{e}");
        assert!(may_draft(Some(Role::Viewer)).is_err());
        assert!(may_draft(Some(Role::Admin)).is_ok());
    }

    #[test]
    fn publishing_needs_approval_answered_checks_and_a_target() {
        let mut u = draft_by("cody");
        let own = vec!["own".to_string()];
        let p = CommsPolicy::default();
        assert!(may_publish(&u, C, &[], &[], &own, &p)
            .unwrap_err()
            .contains("Approve"));
        u.approve(Arc::from("carl"));
        let f = [finding("social_too_long")];
        assert!(may_publish(&u, C, &f, &[], &own, &p)
            .unwrap_err()
            .contains("1 failing check needs"));
        let blank = [CheckOverride {
            check: "social_too_long".into(),
            reason: "  ".into(),
        }];
        assert!(may_publish(&u, C, &f, &blank, &own, &p).is_err());
        let reasoned = [CheckOverride {
            check: "social_too_long".into(),
            reason: "Thread of two posts".into(),
        }];
        assert!(may_publish(&u, C, &f, &reasoned, &[], &p).is_err());
        assert!(may_publish(&u, C, &f, &reasoned, &own, &p).is_ok());
    }

    #[test]
    fn an_approval_by_the_last_editor_does_not_count_once_the_policy_asks_for_someone_else() {
        let mut u = draft_by("cody");
        u.approve(Arc::from("cody"));
        let own = vec!["own".to_string()];
        let off = CommsPolicy {
            approval_by_other: false,
            ..CommsPolicy::default()
        };
        assert!(may_publish(&u, C, &[], &[], &own, &off).is_ok());
        let on = CommsPolicy::default();
        let why = may_publish(&u, C, &[], &[], &own, &on).unwrap_err();
        assert!(why.contains("someone else"), "{why}");
    }

    fn incident_with(events: Vec<crate::log::event::EventBody>) -> Incident {
        let mut inc = Incident::new(crate::vocabulary::IncidentId("i".into()));
        for (n, body) in events.into_iter().enumerate() {
            // The second event is the draft, so its id is the update's.
            let id = if n == 1 {
                "u".to_string()
            } else {
                format!("e{n}")
            };
            let author = if n == 2 { "carl" } else { "cody" };
            inc.apply(&crate::Event::new(id, "i", author, 1_000 + n as i64, body));
        }
        inc
    }

    fn declared_and_drafted(text: &str) -> Vec<crate::log::event::EventBody> {
        use crate::log::event::EventBody;
        let all = |t: &str| Channels {
            status_page: t.into(),
            social: t.into(),
            email_subject: "Checkout".into(),
            email_body: t.into(),
            banner: t.into(),
        };
        vec![
            EventBody::Declared {
                title: "Checkout".into(),
                severity: crate::Severity::Sev2,
                summary: String::new(),
                started_at: 900,
                detected_at: None,
            },
            EventBody::UpdateDrafted {
                phase: Phase::Investigating,
                channels: all(text),
                components: BTreeMap::new(),
                public_title: Some("Checkout errors".into()),
            },
        ]
    }

    #[test]
    fn the_backend_refuses_a_publish_of_an_unapproved_draft_and_names_the_unanswered_checks() {
        let inc = incident_with(declared_and_drafted("We are looking into db-7.internal."));
        let ws = Workspace::default();
        let own = vec!["own".to_string()];
        let u = EventId("u".into());
        let why = publish_refusal(&inc, &ws, &u, C, &own, &[]).unwrap();
        assert!(why.contains("Approve this draft"), "{why}");
        assert!(why.contains(checks::HOSTNAME), "{why}");
        let missing = publish_refusal(&inc, &ws, &EventId("nope".into()), C, &own, &[]).unwrap();
        assert!(missing.contains("no update nope"), "{missing}");
    }

    #[test]
    fn the_backend_takes_an_approved_publish_whose_failing_checks_have_reasons() {
        let mut events = declared_and_drafted("We are looking into db-7.internal.");
        events.push(crate::log::event::EventBody::UpdateApproved {
            update: EventId("u".into()),
        });
        let inc = incident_with(events);
        let ws = Workspace::default();
        let own = vec!["own".to_string()];
        let u = EventId("u".into());
        let why = publish_refusal(&inc, &ws, &u, C, &own, &[]).unwrap();
        assert!(why.contains("1 failing check"), "{why}");
        assert!(why.contains(checks::HOSTNAME), "{why}");
        let reasoned = [CheckOverride {
            check: checks::HOSTNAME.into(),
            reason: "It is the public name of our docs site".into(),
        }];
        assert_eq!(publish_refusal(&inc, &ws, &u, C, &own, &reasoned), None);
        assert!(publish_refusal(&inc, &ws, &u, C, &[], &reasoned)
            .unwrap()
            .contains("Choose at least one"));
    }

    #[test]
    fn only_overrides_of_failing_checks_are_recorded() {
        let f = [finding("blame_words")];
        let given = [
            CheckOverride {
                check: "blame_words".into(),
                reason: " Provider asked us to name them ".into(),
            },
            CheckOverride {
                check: "ip_address".into(),
                reason: "stale".into(),
            },
        ];
        let kept = overrides_to_record(&f, &given);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].reason, "Provider asked us to name them");
    }

    mod batch {
        use super::*;
        use crate::vocabulary::Severity;

        const AT: i64 = 1_763_464_800_000;

        fn ev(id: &str, author: &str, body: EventBody) -> Event {
            Event::new(id, "inc", author, AT, body)
        }

        fn declared() -> Event {
            ev(
                "declared",
                "ana",
                EventBody::Declared {
                    title: "Checkout failing".into(),
                    severity: Severity::Sev2,
                    summary: String::new(),
                    started_at: AT - 600_000,
                    detected_at: None,
                },
            )
        }

        fn drafted(by: &str) -> Event {
            ev(
                "u1",
                by,
                EventBody::UpdateDrafted {
                    phase: Phase::Investigating,
                    channels: Channels::default(),
                    components: BTreeMap::new(),
                    public_title: Some("Checkout errors".into()),
                },
            )
        }

        fn approved(id: &str, by: &str) -> Event {
            ev(
                id,
                by,
                EventBody::UpdateApproved {
                    update: "u1".into(),
                },
            )
        }

        fn published(by: &str) -> Event {
            ev(
                "p1",
                by,
                EventBody::UpdatePublished {
                    update: "u1".into(),
                    targets: vec!["own".into()],
                    overrides: Vec::new(),
                },
            )
        }

        #[test]
        fn a_draft_and_its_publish_in_one_batch_are_refused_at_the_publish() {
            let batch = [drafted("cody"), published("cody")];
            let (at, why) = batch_refusal(&[declared()], &batch, C).unwrap();
            assert_eq!(at, 1);
            assert!(why.contains("Approve"), "{why}");
        }

        #[test]
        fn the_last_editor_approving_in_a_later_batch_is_refused() {
            let stored = [declared(), drafted("cody")];
            let (at, why) = batch_refusal(&stored, &[approved("a1", "cody")], C).unwrap();
            assert_eq!(at, 0);
            assert!(why.contains("someone else"), "{why}");
        }

        #[test]
        fn an_approval_earlier_in_the_batch_counts_for_the_publish() {
            let stored = [declared(), drafted("cody")];
            let batch = [approved("a1", "carl"), published("cody")];
            // Whatever checks remain, approval is no longer the reason.
            if let Some((_, why)) = batch_refusal(&stored, &batch, C) {
                assert!(
                    !why.contains("Approve") && !why.contains("someone else"),
                    "{why}"
                );
            }
        }

        #[test]
        fn a_stored_approval_sent_again_is_a_retry_and_passes() {
            let stored = [declared(), drafted("cody"), approved("a1", "cody")];
            assert_eq!(batch_refusal(&stored, &[approved("a1", "cody")], C), None);
        }

        #[test]
        fn a_batch_without_approvals_or_publishes_reads_nothing() {
            assert!(streams_to_review(&[declared(), drafted("cody")]).is_empty());
            assert_eq!(batch_refusal(&[], &[drafted("cody")], C), None);
        }

        #[test]
        fn an_edit_deep_in_a_long_batch_changes_who_may_approve_after_it() {
            // The batch is applied in order on one fold: 400 approvals by
            // carl pass, his edit makes him the last editor, and his next
            // approval is refused at its own index.
            let stored = [declared(), drafted("cody")];
            let mut batch: Vec<Event> = (0..400)
                .map(|n| approved(&format!("a{n}"), "carl"))
                .collect();
            batch.push(ev(
                "edit",
                "carl",
                EventBody::UpdateEdited {
                    update: "u1".into(),
                    phase: Phase::Identified,
                    channels: Channels::default(),
                    components: BTreeMap::new(),
                    public_title: Some("Checkout errors".into()),
                },
            ));
            batch.push(approved("after-edit", "carl"));
            let (at, why) = batch_refusal(&stored, &batch, C).unwrap();
            assert_eq!(at, 401);
            assert!(why.contains("someone else"), "{why}");
        }
    }
}
