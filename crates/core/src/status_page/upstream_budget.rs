//! The upstream list as consoles are sent it (over the stream and by
//! `GET /api/v1/upstreams`): each provider bounded, and the whole list within
//! a byte budget, so one provider's page of thousands of components cannot
//! make a message too big for a console's socket, nor a panel too long to read.
//!
//! Per provider: the first components that are not operational plus every
//! one linked to ours (what the impact offers need), a capped catalogue
//! (linked ones first), the first open incidents and maintenances, texts
//! clipped, and `omitted` counting what was left out. Providers past the
//! total budget are sent brief: verdict and counts, no lists.

use crate::log::limits::{MAX_ID_BYTES, MAX_URL_BYTES};
use crate::status_page::upstream::{
    unknown_label, Component, ComponentRef, Fetched, Incident, IncidentView, Omitted, Page,
    ProviderState, ProviderView, Snapshot, UnknownView, UpdateView, ViewState,
};
use crate::workspace::UpstreamLink;

/// How much of what providers said consoles are sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Components not operational listed per provider, besides linked ones.
    pub components: usize,
    /// Catalogue entries per provider, or the linked ones if more.
    pub catalogue: usize,
    /// Open incidents, and maintenances, per provider.
    pub incidents: usize,
    /// Characters kept of a name or a description.
    pub name_chars: usize,
    /// Characters kept of an update's body or a reason.
    pub body_chars: usize,
    /// Bytes of JSON for the whole list; providers past it are sent brief.
    pub total_bytes: usize,
}

/// What consoles get: a few screens per provider, a quarter of a MiB in all.
pub const CONSOLE: Budget = Budget {
    components: 50,
    catalogue: 500,
    incidents: 20,
    name_chars: 200,
    body_chars: 2_000,
    total_bytes: 256 * 1024,
};

/// Timestamps and other short strings a page sends; longer is not one.
const MAX_STAMP_BYTES: usize = 64;

fn clip(s: &str, chars: usize) -> String {
    let s: String = s.chars().filter(|c| !c.is_control()).collect();
    match s.char_indices().nth(chars) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

/// An id longer than a link may name cannot be linked, and a clipped one
/// could pass for another: such entries are left out and counted.
fn usable_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_BYTES
}

fn short(s: &Option<String>, max: usize) -> Option<String> {
    s.as_ref().filter(|v| v.len() <= max).cloned()
}

fn component(c: &Component, b: &Budget) -> Component {
    Component {
        id: c.id.clone(),
        name: clip(&c.name, b.name_chars),
        status: c.status,
        group_id: short(&c.group_id, MAX_ID_BYTES),
        group: c.group,
        // Nothing a console shows reads a group's children.
        components: Vec::new(),
    }
}

fn incident(i: &Incident, b: &Budget) -> IncidentView {
    IncidentView {
        id: i.id.clone(),
        name: clip(&i.name, b.name_chars),
        status: i.status,
        impact: i.impact,
        shortlink: short(&i.shortlink, MAX_URL_BYTES),
        scheduled_for: short(&i.scheduled_for, MAX_STAMP_BYTES),
        scheduled_until: short(&i.scheduled_until, MAX_STAMP_BYTES),
        latest_update: i.latest_update().map(|u| UpdateView {
            status: u.status,
            body: clip(&u.body, b.body_chars),
            at: u
                .at()
                .filter(|a| a.len() <= MAX_STAMP_BYTES)
                .map(str::to_owned),
        }),
    }
}

/// The open ones of `list`, at most `b.incidents`, and how many were left out.
fn open_incidents(list: &[Incident], b: &Budget) -> (Vec<IncidentView>, usize) {
    let open: Vec<&Incident> = list.iter().filter(|i| !i.status.is_closed()).collect();
    let kept: Vec<IncidentView> = open
        .iter()
        .filter(|i| usable_id(&i.id))
        .take(b.incidents)
        .map(|i| incident(i, b))
        .collect();
    let left = open.len() - kept.len();
    (kept, left)
}

/// A provider's summary as consoles are sent it; `linked` are the provider's
/// component ids linked to ours.
pub fn snapshot(f: &Fetched, linked: &[&str], b: &Budget) -> Snapshot {
    let s = &f.summary;
    let is_linked = |id: &str| linked.contains(&id);
    let down: Vec<&Component> = s
        .components
        .iter()
        .filter(|c| !c.status.is_operational())
        .collect();
    let mut listed = 0;
    let components: Vec<Component> = down
        .iter()
        .filter(|c| usable_id(&c.id))
        .filter(|c| {
            let keep = is_linked(&c.id) || listed < b.components;
            if keep && !is_linked(&c.id) {
                listed += 1;
            }
            keep
        })
        .map(|c| component(c, b))
        .collect();
    let linkable: Vec<&Component> = s
        .components
        .iter()
        .filter(|c| !c.group && usable_id(&c.id))
        .collect();
    let all_linkable = s.components.iter().filter(|c| !c.group).count();
    let mut catalogue: Vec<ComponentRef> = linkable
        .iter()
        .filter(|c| is_linked(&c.id))
        .map(|c| ComponentRef {
            id: c.id.clone(),
            name: clip(&c.name, b.name_chars),
        })
        .collect();
    let room = b.catalogue.saturating_sub(catalogue.len());
    catalogue.extend(
        linkable
            .iter()
            .filter(|c| !is_linked(&c.id))
            .take(room)
            .map(|c| ComponentRef {
                id: c.id.clone(),
                name: clip(&c.name, b.name_chars),
            }),
    );
    let (incidents, incidents_left) = open_incidents(&s.incidents, b);
    let (maintenances, maintenances_left) = open_incidents(&s.scheduled_maintenances, b);
    Snapshot {
        fetched_at: f.fetched_at,
        page: Page {
            id: clip(&s.page.id, MAX_ID_BYTES),
            name: clip(&s.page.name, b.name_chars),
            url: if s.page.url.len() <= MAX_URL_BYTES {
                s.page.url.clone()
            } else {
                String::new()
            },
            updated_at: short(&s.page.updated_at, MAX_STAMP_BYTES),
        },
        indicator: s.status.indicator,
        description: clip(&s.status.description, b.name_chars),
        omitted: Omitted {
            components: down.len() - components.len(),
            catalogue: all_linkable - catalogue.len(),
            incidents: incidents_left,
            maintenances: maintenances_left,
        },
        components,
        catalogue,
        incidents,
        maintenances,
    }
}

/// The verdict and the counts only: every list moves into `omitted`.
pub fn brief(mut s: Snapshot) -> Snapshot {
    s.omitted.components += std::mem::take(&mut s.components).len();
    s.omitted.catalogue += std::mem::take(&mut s.catalogue).len();
    s.omitted.incidents += std::mem::take(&mut s.incidents).len();
    s.omitted.maintenances += std::mem::take(&mut s.maintenances).len();
    s
}

fn brief_view(mut v: ProviderView) -> ProviderView {
    v.known = v.known.map(brief);
    if let Some(u) = &mut v.unknown {
        u.last_known = u.last_known.take().map(brief);
    }
    v
}

/// One provider as consoles are sent it.
pub fn provider(
    name: &str,
    url: &str,
    state: &ProviderState,
    linked: &[&str],
    b: &Budget,
) -> ProviderView {
    let (view, known, unknown) = match state {
        ProviderState::Known(f) => (ViewState::Known, Some(snapshot(f, linked, b)), None),
        ProviderState::Unknown {
            since,
            reason,
            last_known,
        } => {
            let reason = clip(reason, b.body_chars);
            (
                ViewState::Unknown,
                None,
                Some(UnknownView {
                    since: *since,
                    label: unknown_label(*since, &reason),
                    reason,
                    last_known: last_known.as_ref().map(|f| snapshot(f, linked, b)),
                }),
            )
        }
    };
    ProviderView {
        name: clip(name, b.name_chars),
        url: if url.len() <= MAX_URL_BYTES {
            url.to_string()
        } else {
            clip(url, MAX_URL_BYTES / 4)
        },
        state: view,
        known,
        unknown,
    }
}

struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Bytes of `v` as JSON.
pub fn encoded_len<T: serde::Serialize>(v: &T) -> usize {
    let mut c = Counter(0);
    match serde_json::to_writer(&mut c, v) {
        Ok(()) => c.0,
        Err(_) => usize::MAX,
    }
}

/// Every provider (name, configured URL, state), in order, as consoles are
/// sent them: each bounded, and the list within `b.total_bytes`: every
/// provider is named with its verdict, and those whose lists would take the
/// list past the budget are sent brief (later ones first).
pub fn for_consoles<'a>(
    providers: impl IntoIterator<Item = (&'a str, &'a str, &'a ProviderState)>,
    links: &[UpstreamLink],
    b: &Budget,
) -> Vec<ProviderView> {
    let full: Vec<ProviderView> = providers
        .into_iter()
        .map(|(name, url, state)| {
            let linked: Vec<&str> = links
                .iter()
                .filter(|l| l.provider == name)
                .map(|l| l.provider_component.as_str())
                .collect();
            provider(name, url, state, &linked, b)
        })
        .collect();
    let briefs: Vec<ProviderView> = full.iter().cloned().map(brief_view).collect();
    // Room for every provider brief first, then lists for as many as fit.
    let mut used = 2 + briefs.iter().map(|v| encoded_len(v) + 1).sum::<usize>();
    full.into_iter()
        .zip(briefs)
        .map(|(v, short)| {
            let extra = encoded_len(&v).saturating_sub(encoded_len(&short));
            if used + extra <= b.total_bytes {
                used += extra;
                v
            } else {
                short
            }
        })
        .collect()
}

/// Every provider brief: the last resort when a whole list is still too
/// big for one message (hundreds of providers).
pub fn all_brief(views: Vec<ProviderView>) -> Vec<ProviderView> {
    views.into_iter().map(brief_view).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status_page::upstream::{parse_summary, MAX_SUMMARY_BYTES};

    fn page_of(n: usize, status: &str) -> Fetched {
        let components: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"id":"c{i}","name":"Component {i}","status":"{status}"}}"#))
            .collect();
        let json = format!(
            r#"{{"page":{{"name":"Big"}},"status":{{"indicator":"major"}},"components":[{}]}}"#,
            components.join(",")
        );
        Fetched {
            summary: parse_summary(json.as_bytes(), MAX_SUMMARY_BYTES).unwrap(),
            fetched_at: 1,
        }
    }

    #[test]
    fn a_page_of_nine_thousand_broken_components_lists_fifty_plus_the_linked_and_counts_the_rest() {
        let f = page_of(9_000, "major_outage");
        let s = snapshot(&f, &["c8999"], &CONSOLE);
        assert_eq!(s.components.len(), 51);
        assert_eq!(s.components[0].id, "c0");
        assert!(
            s.components.iter().any(|c| c.id == "c8999"),
            "the linked one is kept"
        );
        assert_eq!(s.omitted.components, 9_000 - 51);
        assert_eq!(s.catalogue.len(), 500);
        assert_eq!(s.catalogue[0].id, "c8999", "linked ones come first");
        assert_eq!(s.omitted.catalogue, 8_500);
        assert!(encoded_len(&s) < 64 * 1024, "{}", encoded_len(&s));
    }

    #[test]
    fn a_small_page_is_sent_whole_and_says_nothing_was_left_out() {
        let f = page_of(3, "degraded_performance");
        let s = snapshot(&f, &[], &CONSOLE);
        assert_eq!(s.components.len(), 3);
        assert!(s.omitted.is_nothing());
        let json = serde_json::to_value(&s).unwrap();
        assert!(json.get("omitted").is_none(), "{json}");
        assert_eq!(s.components, Snapshot::of(&f).components);
    }

    #[test]
    fn long_texts_are_clipped_and_unlinkable_ids_left_out() {
        let json = format!(
            r#"{{"page":{{"name":"{}"}},"status":{{"indicator":"minor"}},
                "components":[{{"id":"{}","name":"x","status":"major_outage"}},
                              {{"id":"ok","name":"{}","status":"major_outage"}}],
                "incidents":[{{"id":"i","name":"I","status":"investigating",
                               "incident_updates":[{{"body":"{}"}}]}}]}}"#,
            "P".repeat(5_000),
            "x".repeat(100),
            "N".repeat(5_000),
            "B".repeat(50_000)
        );
        let f = Fetched {
            summary: parse_summary(json.as_bytes(), MAX_SUMMARY_BYTES).unwrap(),
            fetched_at: 0,
        };
        let s = snapshot(&f, &[], &CONSOLE);
        assert_eq!(s.page.name.chars().count(), CONSOLE.name_chars + 1);
        assert_eq!(s.components.len(), 1);
        assert_eq!(s.omitted.components, 1);
        assert_eq!(s.components[0].name.chars().count(), CONSOLE.name_chars + 1);
        let body = &s.incidents[0].latest_update.as_ref().unwrap().body;
        assert_eq!(body.chars().count(), CONSOLE.body_chars + 1);
    }

    #[test]
    fn providers_past_the_total_budget_are_sent_brief_and_the_list_stays_within_it() {
        let states: Vec<ProviderState> = (0..40)
            .map(|_| ProviderState::Known(page_of(9_000, "partial_outage")))
            .collect();
        let names: Vec<String> = (0..40).map(|i| format!("p{i}")).collect();
        let list = for_consoles(
            names
                .iter()
                .zip(&states)
                .map(|(n, s)| (n.as_str(), "https://p.example", s)),
            &[],
            &CONSOLE,
        );
        assert_eq!(list.len(), 40, "every provider is named");
        assert!(
            encoded_len(&list) <= CONSOLE.total_bytes,
            "{}",
            encoded_len(&list)
        );
        let first = list[0].known.as_ref().unwrap();
        assert_eq!(first.components.len(), 50);
        let last = list[39].known.as_ref().unwrap();
        assert!(last.components.is_empty());
        assert_eq!(last.omitted.components, 9_000);
        assert_eq!(
            last.indicator, first.indicator,
            "a brief provider keeps its verdict"
        );
    }

    #[test]
    fn an_unknown_provider_keeps_its_last_known_state_bounded() {
        let mut state = ProviderState::Known(page_of(9_000, "major_outage"));
        state.observe(Err("HTTP 503".into()), 2);
        let v = provider("p", "https://p.example", &state, &[], &CONSOLE);
        let last = v.unknown.unwrap().last_known.unwrap();
        assert_eq!(last.components.len(), 50);
        assert_eq!(
            all_brief(vec![provider("p", "u", &state, &[], &CONSOLE)])[0]
                .unknown
                .as_ref()
                .unwrap()
                .last_known
                .as_ref()
                .unwrap()
                .omitted
                .components,
            9_000
        );
    }
}
