//! Is a match stated in the negative?
//!
//! A match is negated when an odd number of negators sit in a small window before it in
//! the same clause, or inside the match itself (unless the rubric's own phrase or pattern
//! spells out a negation, as in "no lookup": then the negation is what it means).
//! Counting parity handles "it is not true that there is no lookup"; "not only" and
//! "whether or not" are not negators.

use super::text::Sentence;

/// Negators and how many words ahead each reaches. "no" and "without" negate the noun
/// phrase right after them ("no record of the login held in a's memory" does not deny
/// the memory); "not" and "never" negate the verb phrase, which runs further.
const NEGATORS: &[(&str, usize)] = &[
    ("not", 5),
    ("never", 5),
    ("nor", 5),
    ("neither", 5),
    ("no", 4),
    // As subjects these deny the whole predicate ("nothing was held in its memory").
    ("none", 6),
    ("nothing", 6),
    ("nobody", 6),
    ("nowhere", 3),
    // "zero db lookups": a count of none denies the noun after it.
    ("zero", 2),
    ("without", 3),
    // "the Rails cookie store minus the encryption".
    ("minus", 3),
    ("instead", 4),
    ("rather", 4),
];

/// Words after "zero" that make it a number set, not a count of none ("a ttl of zero and
/// the token dies", "zero seconds").
const NOT_A_COUNT_AFTER: &[&str] = &[
    "and", "or", "but", "so", "then", "the", "a", "s", "ms", "seconds", "second", "minutes",
    "minute", "to", "it", "is", "was",
];

/// Words after "did nothing" that say it did something later ("did nothing till I turned
/// on the denylist").
const DID_NOTHING_UNTIL: &[&str] = &[
    "till", "until", "untill", "unless", "without", "before", "on", "by",
];

/// Words that open a statement of its own, not an item of a list a denial opened ("no store
/// checked, need a denylist or short lifetimes").
const OPENS_A_STATEMENT: &[&str] = &[
    "unless", "until", "till", "except", "but", "so", "because", "since", "which", "and", "then",
    "if", "when", "while", "need", "needs",
];

/// Words after "not" that turn it into something else ("not only ... but also").
const NOT_NEGATING_AFTER: &[&str] = &["only", "just", "merely", "simply", "least"];

/// How many words ahead the word at `i` negates, if it is a negator here.
fn reach(s: &Sentence, i: usize) -> Option<usize> {
    let w = s.words[i].as_str();
    let next = s.words.get(i + 1).map(String::as_str);
    if let Some(r) = appearance(s, i) {
        return Some(r);
    }
    let &(_, reach) = NEGATORS.iter().find(|(n, _)| *n == w)?;
    let prev = i.checked_sub(1).map(|p| s.words[p].as_str());
    // "the replica not search nothing in database": in many first languages a second
    // negative agrees with the first instead of cancelling it, so "not VERB nothing"
    // denies once ("it is not true that nothing is stored" still cancels).
    let concord = i >= 2
        && s.words[i - 2] == "not"
        && s.clause[i - 2] == s.clause[i]
        && !prev.is_some_and(|p| matches!(p, "that" | "true" | "only" | "just"))
        && matches!(
            w,
            "nothing" | "nobody" | "none" | "no" | "nowhere" | "never"
        );
    if concord {
        return None;
    }
    match w {
        // "Don't just turn on sticky routing: …" forbids; "it does not just store it" adds.
        "not" if next == Some("just") && prev == Some("do") && i == 1 => Some(reach),
        "not" if next.is_some_and(|n| NOT_NEGATING_AFTER.contains(&n)) => None,
        "not" if prev == Some("or") => None,
        // "instead of X" / "rather than X" negate X; "instead, X" does not.
        "instead" if next != Some("of") => None,
        "rather" if next != Some("than") => None,
        // "no longer" is a negator; "no matter" is not.
        "no" if next == Some("matter") => None,
        // "a ttl of zero and the token dies" sets a number; only "zero lookups" counts none.
        "zero" if next.is_none_or(|n| NOT_A_COUNT_AFTER.contains(&n)) => None,
        // "no source of truth to delete": the noun phrase's verb is denied with it.
        "no" => Some(
            (2..=reach)
                .find(|k| s.words.get(i + k).map(String::as_str) == Some("to"))
                .map_or(reach, |k| reach.max(k + 1)),
        ),
        _ => Some(reach),
    }
}

/// "Sticky makes it look fine", "it seems to work": how a thing appears, which the answer
/// then usually takes back, is no claim that it is so. Only before a verdict word; "looks
/// like a's memory held it" and "looks the sid up" report what was found.
fn appearance(s: &Sentence, i: usize) -> Option<usize> {
    const SEEM: &[&str] = &[
        "look", "looks", "looked", "seem", "seems", "seemed", "appear", "appears", "appeared",
    ];
    const VERDICT: &[&str] = &[
        "fine", "ok", "okay", "good", "fixed", "solved", "right", "correct", "working",
    ];
    let at = |k: usize| s.words.get(i + k).map(String::as_str);
    // "sticky kinda works, but…": a hedge as good as "seems to".
    if matches!(s.words[i].as_str(), "kinda" | "sorta") {
        return at(1)
            .is_some_and(|v| VERDICT.contains(&v) || matches!(v, "works" | "work" | "fixes"))
            .then_some(1);
    }
    if !SEEM.contains(&s.words[i].as_str()) {
        return None;
    }
    match (at(1), at(2)) {
        (Some(v), _) if VERDICT.contains(&v) => Some(1),
        (Some("to"), Some("work" | "fix" | "help" | "solve")) => Some(2),
        _ => None,
    }
}

/// "is not needed", "was not kept": a verb's form, which denies the subject's part in it,
/// where "is not free" only denies a quality.
fn participle(w: &str) -> bool {
    w.ends_with("ed")
        || matches!(
            w,
            "kept"
                | "held"
                | "made"
                | "sent"
                | "done"
                | "read"
                | "known"
                | "seen"
                | "shown"
                | "there"
                | "here"
                | "involved"
                | "it"
                // "deleting doesn't work": the deleting is what is denied.
                | "work"
                | "works"
                | "help"
                | "helps"
        )
}

/// Does any word in the text (a rubric phrase or the source of a pattern) negate?
pub fn mentions_negation(text: &str) -> bool {
    // Drop regex escapes first: `\bno` is the word "no", not "bno".
    let mut lower = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            chars.next();
            lower.push(' ');
        } else {
            lower.extend(c.to_lowercase());
        }
    }
    lower.contains("n't") || has_negator(&lower)
}

/// Is any run of letters in `text` a negator ("no", "not", "cannot", …)?
pub fn has_negator(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphabetic())
        .any(|w| NEGATORS.iter().any(|(n, _)| *n == w) || w == "cannot")
}

/// `mentions_negation` for words already normalised (lower-case, contractions expanded),
/// without building a string: a course's compile asks it of every rubric alternative.
pub fn names_a_negator(words: &[String]) -> bool {
    words.iter().any(|w| has_negator(w))
}

/// Is the match covering words `start..=end` negated?
pub fn is_negated(s: &Sentence, start: usize, end: usize, owns_negation: bool) -> bool {
    let clause = s.clause[start];
    let mut count = 0;
    for i in (0..start).rev() {
        if s.clause[i] != clause {
            break;
        }
        // "not from a bad password or an expired cookie": the denial carries across "or"
        // to the next alternative, however far the first one ran.
        let carried = |r: usize| {
            (i + 1..start).any(|j| {
                matches!(s.words[j].as_str(), "or" | "nor") && j - i <= r + 1 && start - j <= 4
            })
        };
        if reach(s, i).is_some_and(|r| start - i <= r || carried(r))
            && !(i + 1..=end.min(s.words.len() - 1)).any(|j| excepts(s, j))
        {
            count += 1;
        }
    }
    // "It wasn't the password, the cookie or a timeout": the denial runs on through the list
    // of what it denies, across its commas, to the item after the closing "or".
    if count == 0 && denied_in_a_list(s, start, end) {
        count += 1;
    }
    // "not because any session had expired": the denial reaches into the reason it opens.
    let first = phrase_start(s, start);
    if first >= 1
        && matches!(s.words[first].as_str(), "because" | "since")
        && s.words[first - 1] == "not"
        // "the others didn't, because…" denies the verb before it, not the reason.
        && !(first >= 2 && COPULAS.contains(&s.words[first - 2].as_str()))
    {
        count += 1;
    }
    // Inside the match only the clause it ends in counts: "the balancer doesn't care and
    // passes each request on" still says the balancer passes requests on.
    if !owns_negation {
        let end = end.min(s.words.len() - 1);
        let last = s.clause[end];
        count += (start..=end)
            .filter(|&i| s.clause[i] == last && reach(s, i).is_some())
            .count();
    }
    // "a shared store is not what fixed it": the denial comes right after its subject.
    let end = end.min(s.words.len() - 1);
    let after = |k: usize| {
        s.words
            .get(end + k)
            .filter(|_| s.clause.get(end + k) == Some(&s.clause[end]))
    };
    // The subject may run on a little past the match ("a store every replica reads"). A
    // single word that ends the clause denies a quality, not the subject: "the denylist is
    // not free: every replica checks it" still speaks of the denylist.
    let denied = (1..=3).any(|k| {
        after(k).is_some_and(|w| COPULAS.contains(&w.as_str()))
            && after(k + 1).is_some_and(|w| w == "not" || w == "never")
            && !after(k + 2).is_some_and(|w| NOT_NEGATING_AFTER.contains(&w.as_str()))
            && (after(k + 3).is_some() || after(k + 2).is_some_and(|w| participle(w)))
    }) || (1..=3).any(|k| {
        // "deleting the cookie in your browser does nothing": what it does is nothing. "It
        // did nothing till I turned on the denylist" still speaks of what it did after.
        after(k).is_some_and(|w| matches!(w.as_str(), "does" | "did" | "do"))
            && after(k + 1).is_some_and(|w| w == "nothing")
            && !after(k + 2).is_some_and(|w| DID_NOTHING_UNTIL.contains(&w.as_str()))
    });
    if denied {
        count += 1;
    }
    // "the revoke deleted nothing": an object of "nothing" denies the verb before it,
    // unless it only agrees with a "not" before that verb ("they do not check nothing").
    if after(1).is_some_and(|w| w == "nothing") && reach(s, end + 1).is_some() {
        count += 1;
    }
    count % 2 == 1
}

/// The first word of the phrase word `k` is in.
fn phrase_start(s: &Sentence, k: usize) -> usize {
    (0..=k)
        .rev()
        .take_while(|&i| s.clause[i] == s.clause[k])
        .last()
        .unwrap_or(k)
}

/// Is the match at `start..=end` an item of a short list whose first item a denial opens:
/// "not the password, the cookie or a timeout"? Each item is a short phrase after a comma,
/// and the match's item is the one joined by "or"/"nor".
fn denied_in_a_list(s: &Sentence, start: usize, end: usize) -> bool {
    const ITEM: usize = 5;
    let f = phrase_start(s, start);
    let end = end.min(s.words.len() - 1);
    let last = (end..s.words.len())
        .take_while(|&i| s.clause[i] == s.clause[start])
        .last()
        .unwrap_or(end);
    // The match's own phrase closes the list: an "or" with a short item on each side.
    let Some(o) = (f..=last).find(|&i| matches!(s.words[i].as_str(), "or" | "nor")) else {
        return false;
    };
    if o - f >= ITEM || last - o >= ITEM {
        return false;
    }
    // The match may begin in the item before the "or" ("it wasn't the password, the cookie
    // or the balancer losing it") only in a list of things a "not" denies: "no store
    // checked, need a denylist or short lifetimes" is a statement after a denial, not a list.
    let straddles = start < o;
    if straddles && OPENS_A_STATEMENT.contains(&s.words[f].as_str()) {
        return false;
    }
    // Back through earlier items, each short and after a comma in the same clause, to the
    // one a denial opens.
    let mut at = f;
    for _ in 0..4 {
        if at == 0 || s.coarse[at - 1] != s.coarse[at] || s.segment[at - 1] == s.segment[at] {
            return false;
        }
        let prev = phrase_start(s, at - 1);
        if at - prev > ITEM + 2 {
            return false;
        }
        // The denial opens the list: "not the password", not "nothing is looked up".
        if (prev..at).any(|i| {
            (matches!(s.words[i].as_str(), "not" | "neither")
                || !straddles && matches!(s.words[i].as_str(), "no" | "never"))
                && reach(s, i).is_some()
                && at - i <= 4
        }) {
            return true;
        }
        at = prev;
    }
    false
}

/// Does the word at `j` open the exception to a denial before it? "It was never written
/// anywhere but b's memory" asserts b's memory: what follows "anywhere but", "except",
/// "other than" or "apart from" is the one thing the denial leaves standing.
fn excepts(s: &Sentence, j: usize) -> bool {
    let w = s.words[j].as_str();
    let prev = j.checked_sub(1).map(|p| s.words[p].as_str());
    match w {
        "except" => true,
        "but" | "besides" | "save" => prev.is_some_and(|p| {
            matches!(
                p,
                "anywhere" | "anyone" | "anybody" | "nowhere" | "nobody" | "none" | "else"
            )
        }),
        "than" => prev == Some("other"),
        "from" => prev == Some("apart"),
        _ => false,
    }
}

/// Verbs after which "not" denies what came just before ("X is not what fixed it").
const COPULAS: &[&str] = &["is", "was", "are", "were", "does", "did", "do"];

#[cfg(test)]
mod tests {
    use super::super::text::sentences;
    use super::*;

    /// Negated state of the first occurrence of `needle` (a run of words).
    fn negated(text: &str, needle: &str) -> bool {
        let s = &sentences(text)[0];
        let n: Vec<&str> = needle.split(' ').collect();
        let start = s
            .words
            .windows(n.len())
            .position(|w| w == n.as_slice())
            .expect("needle");
        is_negated(s, start, start + n.len() - 1, mentions_negation(needle))
    }

    #[test]
    fn a_denial_carries_across_or_to_the_next_alternative() {
        let text = "the 401s did not come from a bad password or an expired cookie";
        assert!(negated(text, "expired cookie"));
        // Only to the alternative right after "or", not to the rest of the sentence.
        assert!(!negated(
            "it was not a bad password or a typo and then the replica expired my cookie",
            "expired my cookie"
        ));
    }

    #[test]
    fn what_a_denial_excepts_is_asserted() {
        assert!(!negated(
            "it was never written anywhere but b's memory",
            "memory"
        ));
        assert!(!negated(
            "the replicas check nothing except the signature",
            "signature"
        ));
        // The exception may be part of the match itself.
        assert!(!negated(
            "it was never kept anywhere but in memory",
            "anywhere but in memory"
        ));
        assert!(!negated(
            "no replica other than a had the session",
            "had the session"
        ));
        // Without the exception the denial still reaches it.
        assert!(negated("it was never written in b's memory", "memory"));
        // An exception before the denial leaves the denial standing.
        assert!(negated(
            "apart from that it was never in b's memory",
            "memory"
        ));
    }

    #[test]
    fn what_does_nothing_or_does_not_work_is_denied() {
        assert!(negated(
            "deleting the cookie in your browser does nothing about the copy",
            "cookie in your browser"
        ));
        assert!(negated(
            "in token mode deleting doesn't work, because there is no record",
            "deleting"
        ));
        // What did nothing until something else was done is still spoken of.
        assert!(!negated(
            "the revoke did nothing till i turned on the denylist",
            "the revoke"
        ));
    }

    #[test]
    fn zero_of_a_thing_is_none_of_it() {
        assert!(negated(
            "the same token still worked, zero db lookups",
            "db lookups"
        ));
        // A number set to zero denies nothing after it.
        assert!(!negated(
            "set the ttl to zero and the token dies",
            "the token dies"
        ));
    }

    #[test]
    fn a_denial_runs_through_the_list_it_opens() {
        assert!(negated(
            "it wasn't the password, the cookie or a timeout",
            "timeout"
        ));
        assert!(negated(
            "it was not the password, the cookie, the balancer or a timeout",
            "timeout"
        ));
        // A match from the item before the "or" into the one after it.
        assert!(negated(
            "it wasn't the password, the cookie or the balancer losing anything",
            "cookie or the balancer losing"
        ));
        // A statement after a denial is not an item of a list it opens.
        assert!(!negated(
            "tokens are good until exp, no store checked, need denylist or short lifetimes",
            "denylist"
        ));
        assert!(!negated(
            "tokens are good until exp, no store consulted, unles denylist or short lifetimes",
            "denylist"
        ));
        // A new statement after the comma is not part of the list.
        assert!(!negated(
            "it was not the password, the login lived in a's memory or nowhere",
            "memory"
        ));
    }

    #[test]
    fn a_verb_whose_object_is_nothing_is_denied() {
        assert!(negated(
            "in token mode the revoke deleted nothing at all",
            "deleted"
        ));
        assert!(!negated("the revoke deleted her session", "deleted"));
    }

    #[test]
    fn do_not_just_forbids() {
        assert!(negated(
            "don't just turn on sticky routing",
            "turn on sticky"
        ));
        assert!(!negated(
            "it does not just store the token",
            "store the token"
        ));
    }

    #[test]
    fn minus_takes_away() {
        assert!(negated(
            "the rails cookie store minus the encryption",
            "encryption"
        ));
    }

    #[test]
    fn no_thing_to_do_denies_the_doing() {
        assert!(negated("tokens: no source of truth to delete", "delete"));
        assert!(!negated("no session, so delete the token", "delete"));
    }

    #[test]
    fn plain_negation_before_the_match() {
        assert!(negated(
            "the session is not stored in one server's memory",
            "server memory"
        ));
        assert!(negated(
            "it was never kept in the replica",
            "kept in the replica"
        ));
        assert!(negated(
            "it doesn't rely on sticky sessions",
            "sticky sessions"
        ));
        assert!(!negated(
            "the session is stored in one server's memory",
            "server memory"
        ));
    }

    #[test]
    fn clause_boundaries_stop_negation() {
        assert!(!negated(
            "b had no session because it lived in a's memory",
            "lived in a memory"
        ));
        assert!(!negated(
            "it was not the cookie, the session lived in memory",
            "lived in memory"
        ));
    }

    #[test]
    fn how_a_thing_looks_is_no_verdict() {
        assert!(negated("sticky routing makes it look fine", "fine"));
        assert!(negated("sticky seems to work until a restarts", "work"));
        assert!(negated(
            "sticky kinda works but not after a restart",
            "works"
        ));
        // Reporting what was seen, or looking a record up, stays a claim.
        assert!(!negated("it looks like a memory held the login", "memory"));
        assert!(!negated(
            "each replica looks the sid up in the store",
            "sid"
        ));
    }

    #[test]
    fn not_because_denies_the_reason() {
        assert!(negated(
            "it failed on b, not because any session had expired",
            "session had expired"
        ));
        assert!(!negated(
            "it failed on b because the session had expired",
            "session had expired"
        ));
        assert!(!negated(
            "a knew me, the others did not, because a kept me in its own memory",
            "own memory"
        ));
    }

    #[test]
    fn a_denied_quality_leaves_its_subject_said() {
        // "is not free:" denies a quality of the denylist; "is not what fixed it" and "is
        // not needed" deny the subject's part.
        assert!(!negated(
            "the denylist is not free: every replica checks it",
            "denylist"
        ));
        assert!(negated(
            "a shared store is not what fixed it",
            "shared store"
        ));
        assert!(negated(
            "a lookup in the database is not needed, so",
            "database"
        ));
    }

    #[test]
    fn a_second_negative_after_not_and_its_verb_agrees_instead_of_cancelling() {
        let text = "the replica not search nothing in database";
        assert!(negated(text, "database"));
        assert!(negated(
            "they do not ask nobody in the user table",
            "user table"
        ));
        // The same agreement when "nothing" follows the matched verb itself.
        assert!(negated("they do not check nothing in the table", "check"));
        assert!(negated(
            "in token mode the revoke deleted nothing",
            "deleted"
        ));
        // Not across a comma: "which didn't change, no lookup needed" denies the lookup.
        assert!(negated(
            "the key did not change, no lookup needed",
            "lookup"
        ));
        assert!(!negated(
            "it is not true that nothing is stored",
            "is stored"
        ));
    }

    #[test]
    fn double_negation_and_not_only() {
        assert!(!negated(
            "it is not true that nothing is stored",
            "is stored"
        ));
        assert!(!negated(
            "it is not only stored in memory",
            "stored in memory"
        ));
        assert!(negated(
            "use a shared store instead of replica memory",
            "replica memory"
        ));
    }

    #[test]
    fn negation_inside_the_match_unless_the_rubric_owns_it() {
        let s = &sentences("sticky sessions are not a fix")[0];
        assert!(is_negated(s, 0, 5, false));
        let s = &sentences("verification needs no lookup")[0];
        assert!(!is_negated(s, 2, 3, mentions_negation("no lookup")));
    }

    #[test]
    fn denial_right_after_the_subject() {
        assert!(negated(
            "a shared store is not what fixed it",
            "a shared store"
        ));
        assert!(!negated(
            "a shared store is not only faster",
            "a shared store"
        ));
    }

    #[test]
    fn regex_escapes_are_not_words() {
        assert!(mentions_negation(r"\bno (session|login) table\b"));
        assert!(!mentions_negation(r"\bnote\b"));
    }

    #[test]
    fn no_reaches_only_its_noun_phrase() {
        assert!(!negated(
            "b had no record of the login held in memory",
            "held in memory"
        ));
        assert!(negated("there is no shared store", "shared store"));
        assert!(!negated(
            "no matter which replica answers",
            "which replica answers"
        ));
    }
}
