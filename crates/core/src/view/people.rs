//! The people pickers (a role's holder, a task's assignee): which accounts
//! match what was typed, who among them is online, and whether a name
//! given is someone without an account.

/// One option of a picker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub name: String,
    /// False for the name as typed, when no account has it.
    pub account: bool,
    /// Seen by presence in some incident right now.
    pub online: bool,
}

/// The options for `typed`: the accounts whose name contains it (ignoring
/// case; all of them when nothing is typed), online ones first, then those
/// it starts, then by name, at most `limit`; and last, when something is
/// typed that is no account's name, that name as someone without an
/// account.
pub fn suggest(
    typed: &str,
    accounts: &[String],
    online: &[String],
    limit: usize,
) -> Vec<Candidate> {
    let typed = typed.trim();
    let needle = typed.to_lowercase();
    let is_online = |n: &str| online.iter().any(|o| o == n);
    let mut found: Vec<(bool, bool, &String)> = accounts
        .iter()
        .filter_map(|a| {
            let lower = a.to_lowercase();
            let at = lower.find(&needle)?;
            Some((!is_online(a), at != 0, a))
        })
        .collect();
    found.sort();
    let mut out: Vec<Candidate> = found
        .into_iter()
        .take(limit)
        .map(|(offline, _, name)| Candidate {
            name: name.clone(),
            account: true,
            online: !offline,
        })
        .collect();
    if !typed.is_empty() && has_account(typed, accounts) != Some(true) {
        out.push(Candidate {
            name: typed.to_string(),
            account: false,
            online: false,
        });
    }
    out
}

/// Whether `name` is an account's (exactly, as events name people);
/// `None` when the accounts are not known (offline, or not read yet).
pub fn has_account(name: &str, accounts: &[String]) -> Option<bool> {
    if accounts.is_empty() {
        return None;
    }
    Some(accounts.iter().any(|a| a == name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn shown(c: &[Candidate]) -> Vec<(&str, bool, bool)> {
        c.iter()
            .map(|c| (c.name.as_str(), c.account, c.online))
            .collect()
    }

    #[test]
    fn typing_narrows_the_accounts_online_first_then_prefix_then_name() {
        let accounts = names(&["ana", "bo", "dana", "anouk"]);
        let online = names(&["dana"]);
        assert_eq!(
            shown(&suggest("an", &accounts, &online, 10)),
            [
                ("dana", true, true),
                ("ana", true, false),
                ("anouk", true, false),
                ("an", false, false)
            ]
        );
        assert_eq!(
            shown(&suggest("", &accounts, &[], 2)),
            [("ana", true, false), ("anouk", true, false)],
            "nothing typed: every account by name, up to the limit"
        );
    }

    #[test]
    fn a_name_no_account_has_is_offered_as_someone_without_one() {
        let accounts = names(&["ana", "bo"]);
        assert_eq!(
            shown(&suggest(" Priya (vendor) ", &accounts, &[], 10)),
            [("Priya (vendor)", false, false)]
        );
        assert_eq!(
            shown(&suggest("An", &accounts, &[], 10)),
            [("ana", true, false), ("An", false, false)],
            "case matters for a name: An is not ana's account"
        );
        assert_eq!(
            shown(&suggest("ana", &accounts, &[], 10)),
            [("ana", true, false)]
        );
    }

    #[test]
    fn without_the_directory_nobody_is_marked() {
        assert_eq!(has_account("ana", &[]), None);
        assert_eq!(has_account("ana", &names(&["ana"])), Some(true));
        assert_eq!(has_account("Dana", &names(&["ana"])), Some(false));
    }
}
