//! The written-answer grader: a transparent rubric, no network, no model.
//!
//! How an answer is read:
//! - Phrases match whole words, case-insensitively, after normalisation (lower-case,
//!   contractions expanded, possessive `'s` dropped, punctuation folded, light stemming
//!   so "replicas" meets "replica" and "stored" meets "store").
//! - Patterns are regular expressions, case-insensitive, matched against the normalised
//!   words of one sentence joined by single spaces (so write `replica memory`, not
//!   `replica's memory`, and `does not`, not `doesn't`).
//! - A match stated in the negative does not count (see [`super::negation`]).
//! - Before any concept counts, the answer must be an answer: not empty, not too short,
//!   not a keyword list, not the question repeated, and on the topic.
//! - It passes when every required concept is present and no misconception is.

use std::collections::BTreeSet;

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

use super::negation::{is_negated, mentions_negation};
use super::text::{self, Sentence};
use crate::course::problem::Rubric;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Pass,
    Partial,
    NotYet,
}

/// Why an answer was turned away before its ideas were weighed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Screen {
    Empty,
    TooShort,
    Keywords,
    Echo,
    OffTopic,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConceptResult {
    pub id: String,
    pub label: String,
    pub found: bool,
    pub required: bool,
    /// The sentence of the answer that expresses it.
    pub evidence: Option<String>,
    /// The rubric's guiding question, for when it is missing.
    pub ask: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MisconceptionHit {
    pub id: String,
    pub feedback: String,
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub outcome: Outcome,
    pub concepts: Vec<ConceptResult>,
    pub misconceptions: Vec<MisconceptionHit>,
    pub message: String,
    /// Set when the answer was turned away before grading (empty, echo, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen: Option<Screen>,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        self.outcome == Outcome::Pass
    }
}

/// A rubric pattern that does not compile, for `course check` and the loader.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{owner}: pattern `{pattern}` does not compile: {reason}")]
pub struct PatternError {
    /// `concept <id>` or `misconception <id>`.
    pub owner: String,
    pub pattern: String,
    pub reason: String,
}

/// Compile every pattern of a rubric, reporting each one that fails.
pub fn check_patterns(rubric: &Rubric) -> Vec<PatternError> {
    let concepts = rubric
        .concepts
        .iter()
        .map(|c| (format!("concept {}", c.id), &c.patterns));
    let misconceptions = rubric
        .misconceptions
        .iter()
        .map(|m| (format!("misconception {}", m.id), &m.patterns));
    concepts
        .chain(misconceptions)
        .flat_map(|(owner, patterns)| {
            patterns.iter().filter_map(move |p| {
                compile(p).err().map(|e| PatternError {
                    owner: owner.clone(),
                    pattern: p.clone(),
                    reason: e.to_string(),
                })
            })
        })
        .collect()
}

fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern).case_insensitive(true).build()
}

/// Small words that carry grammar rather than content. Real sentences are full of them;
/// keyword lists are not. They are also left out when comparing with the question.
const FUNCTION_WORDS: &[&str] = &[
    "a", "an", "the", "is", "are", "was", "were", "be", "been", "being", "am", "it", "its", "this",
    "that", "these", "those", "to", "of", "in", "on", "at", "by", "for", "with", "from", "into",
    "and", "or", "but", "so", "because", "as", "if", "then", "than", "not", "no", "do", "does",
    "did", "has", "have", "had", "can", "could", "will", "would", "should", "may", "might", "i",
    "you", "we", "they", "he", "she", "my", "your", "our", "their", "me", "us", "them", "which",
    "who", "what", "where", "when", "why", "how", "there", "here", "any", "every", "each", "all",
    "one", "only", "just", "also", "again", "after", "before", "now", "still", "same", "own",
];

/// Words that belong to this course's subject. An answer with almost none of them and no
/// concept is about something else.
const TOPIC_WORDS: &[&str] = &[
    "session",
    "cookie",
    "sid",
    "token",
    "jwt",
    "replica",
    "server",
    "balancer",
    "load",
    "memory",
    "ram",
    "store",
    "database",
    "redis",
    "sqlite",
    "login",
    "log",
    "logged",
    "signature",
    "sign",
    "signed",
    "key",
    "jwks",
    "claim",
    "payload",
    "state",
    "stateless",
    "request",
    "revoke",
    "denylist",
    "blocklist",
    "expiry",
    "exp",
    "expire",
    "sticky",
    "restart",
    "verify",
    "credential",
    "attacker",
    "lookup",
    "header",
    "http",
    "401",
    "shared",
    "process",
    "instance",
];

struct Match {
    sentence: usize,
    negated: bool,
}

/// Every place a concept's or misconception's phrases and patterns match.
fn find(sentences: &[Sentence], phrases: &[String], patterns: &[String]) -> Vec<Match> {
    let mut out = Vec::new();
    for p in phrases {
        let stems = text::phrase_stems(p);
        if stems.is_empty() {
            continue;
        }
        let owns = mentions_negation(p);
        for (si, s) in sentences.iter().enumerate() {
            for start in 0..s.stems.len().saturating_sub(stems.len() - 1) {
                if s.stems[start..start + stems.len()] == stems[..] {
                    let end = start + stems.len() - 1;
                    out.push(Match {
                        sentence: si,
                        negated: is_negated(s, start, end, owns),
                    });
                }
            }
        }
    }
    // Patterns that fail to compile are reported by `check_patterns` when the problem
    // is loaded; here they simply cannot match.
    for p in patterns {
        let Ok(re) = compile(p) else { continue };
        let owns = mentions_negation(p);
        for (si, s) in sentences.iter().enumerate() {
            // A regex takes the leftmost match, and it may begin in a negated clause and
            // reach into the next one ("none of them stored my login; it was in the
            // token"). So after a negated match, look again from the following word
            // rather than from its end, or the negation would hide a positive match.
            let mut from = 0;
            while let Some(m) = re.find_at(&s.text, from) {
                let next_word = s.next_word_start(m.start());
                if m.start() == m.end() {
                    match next_word {
                        Some(n) => {
                            from = n;
                            continue;
                        }
                        None => break,
                    }
                }
                let (start, end) = (s.word_at(m.start()), s.word_ending_at(m.end()));
                let negated = is_negated(s, start, end.max(start), owns);
                out.push(Match {
                    sentence: si,
                    negated,
                });
                from = if negated {
                    match next_word {
                        Some(n) => n,
                        None => break,
                    }
                } else {
                    m.end()
                };
                if from >= s.text.len() {
                    break;
                }
            }
        }
    }
    out
}

fn first_positive(sentences: &[Sentence], matches: &[Match]) -> Option<String> {
    matches
        .iter()
        .find(|m| !m.negated)
        .map(|m| evidence(&sentences[m.sentence].original))
}

/// A sentence as evidence, cut to a readable length.
fn evidence(sentence: &str) -> String {
    const MAX: usize = 160;
    let one_line = sentence.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= MAX {
        return one_line;
    }
    let cut: String = one_line.chars().take(MAX - 1).collect();
    format!("{cut}…")
}

/// Grade a written answer against a rubric.
pub fn grade(rubric: &Rubric, question: &str, answer: &str) -> Verdict {
    let sentences = text::sentences(answer);
    let words: Vec<&str> = sentences
        .iter()
        .flat_map(|s| s.words.iter().map(String::as_str))
        .collect();

    let concepts: Vec<ConceptResult> = rubric
        .concepts
        .iter()
        .map(|c| {
            let evidence = first_positive(&sentences, &find(&sentences, &c.phrases, &c.patterns));
            ConceptResult {
                id: c.id.clone(),
                label: c.label.clone(),
                found: evidence.is_some(),
                required: c.required,
                evidence,
                ask: c.ask.clone(),
            }
        })
        .collect();
    let misconceptions: Vec<MisconceptionHit> = rubric
        .misconceptions
        .iter()
        .filter_map(|m| {
            let evidence = first_positive(&sentences, &find(&sentences, &m.phrases, &m.patterns))?;
            Some(MisconceptionHit {
                id: m.id.clone(),
                feedback: m.feedback.clone(),
                evidence,
            })
        })
        .collect();

    let screen = screen(rubric, question, answer, &words, &concepts, &misconceptions);
    let (outcome, message) = match screen {
        Some(s) => (
            Outcome::NotYet,
            screen_message(s, words.len(), rubric.min_words),
        ),
        None => judge(&concepts, &misconceptions),
    };
    Verdict {
        outcome,
        concepts,
        misconceptions,
        message,
        screen,
    }
}

/// Turn away answers that are not answers yet, each for its own stated reason.
fn screen(
    rubric: &Rubric,
    question: &str,
    answer: &str,
    words: &[&str],
    concepts: &[ConceptResult],
    misconceptions: &[MisconceptionHit],
) -> Option<Screen> {
    if words.is_empty() {
        return Some(Screen::Empty);
    }
    if is_keyword_list(answer, words) {
        return Some(Screen::Keywords);
    }
    if words.len() < rubric.min_words {
        return Some(Screen::TooShort);
    }
    if is_echo(question, words) {
        return Some(Screen::Echo);
    }
    let nothing_found = !concepts.iter().any(|c| c.found) && misconceptions.is_empty();
    if nothing_found && topic_words(rubric, words) < 3 {
        return Some(Screen::OffTopic);
    }
    None
}

/// Fragments separated by commas, line breaks or bullets, mostly a few words each and
/// hardly any grammar between them.
fn is_keyword_list(answer: &str, words: &[&str]) -> bool {
    // A line break separates items only in a list (short or bulleted lines); in prose it
    // is just where the text box wrapped.
    let joined: String = answer
        .lines()
        .map(|line| {
            let t = line.trim();
            let item = t.starts_with(['-', '*', '•']) || text::words(t).len() <= 3;
            format!("{t}{}", if item { "," } else { " " })
        })
        .collect();
    let fragments: Vec<usize> = joined
        .split([',', ';', '/', '|', '•'])
        .map(|f| text::words(f).len())
        .filter(|&n| n > 0)
        .collect();
    let short = fragments.iter().filter(|&&n| n <= 3).count();
    let listy = fragments.len() >= 4 && short * 4 >= fragments.len() * 3;
    let function = words.iter().filter(|w| FUNCTION_WORDS.contains(w)).count();
    let grammarless = words.len() >= 6 && function * 8 < words.len();
    listy || grammarless
}

fn content_stems<'a>(words: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    words
        .into_iter()
        .filter(|w| !FUNCTION_WORDS.contains(w))
        .map(text::stem)
        .collect()
}

/// Mostly the question's own words back: at least 70% of the answer's distinct content
/// words are in the question, or nearly nothing new is said.
fn is_echo(question: &str, words: &[&str]) -> bool {
    let question_words = text::words(question);
    let q = content_stems(question_words.iter().map(String::as_str));
    let a = content_stems(words.iter().copied());
    if a.is_empty() {
        return true;
    }
    let shared = a.intersection(&q).count();
    let new = a.len() - shared;
    shared * 10 >= a.len() * 7 || (new <= 3 && shared * 2 >= a.len())
}

/// Distinct course words in the answer: the fixed vocabulary plus the rubric's own.
fn topic_words(rubric: &Rubric, words: &[&str]) -> usize {
    let mut vocabulary: BTreeSet<String> = TOPIC_WORDS.iter().map(|w| text::stem(w)).collect();
    for c in &rubric.concepts {
        for p in &c.phrases {
            vocabulary.extend(
                text::phrase_stems(p)
                    .into_iter()
                    .filter(|s| !FUNCTION_WORDS.contains(&s.as_str())),
            );
        }
    }
    let answer: BTreeSet<String> = words.iter().map(|w| text::stem(w)).collect();
    answer.intersection(&vocabulary).count()
}

fn screen_message(screen: Screen, words: usize, min_words: usize) -> String {
    match screen {
        Screen::Empty => "Not yet: the answer is empty. Write a few sentences in your own words.".into(),
        Screen::TooShort => format!(
            "Not yet: {words} words is too short to explain this. Write at least {min_words} words, in full sentences."
        ),
        Screen::Keywords => "Not yet: this reads as a list of keywords. Write sentences that connect them: what happened, where the state was, and why.".into(),
        Screen::Echo => "Not yet: the answer mostly repeats the question. Say what you saw in the lab and why it happened, in your own words.".into(),
        Screen::OffTopic => "Not yet: this does not seem to be about this problem. Reread the question and explain what happened in the lab.".into(),
    }
}

fn judge(concepts: &[ConceptResult], misconceptions: &[MisconceptionHit]) -> (Outcome, String) {
    let required: Vec<&ConceptResult> = concepts.iter().filter(|c| c.required).collect();
    let have: Vec<&str> = required
        .iter()
        .filter(|c| c.found)
        .map(|c| c.label.as_str())
        .collect();
    if !misconceptions.is_empty() {
        let n = misconceptions.len();
        let what = if n == 1 {
            "something that is not so"
        } else {
            "things that are not so"
        };
        return (Outcome::NotYet, format!("Not yet: the answer says {what}."));
    }
    if have.len() == required.len() {
        return (Outcome::Pass, "Pass: every key idea is there.".into());
    }
    if have.is_empty() {
        return (
            Outcome::NotYet,
            "Not yet: none of the key ideas are there yet. The questions below point the way."
                .into(),
        );
    }
    let missing = required.len() - have.len();
    (
        Outcome::Partial,
        format!(
            "Partly right: you explain {}. {missing} key idea{} still missing.",
            have.join("; "),
            if missing == 1 { " is" } else { "s are" }
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::problem::{Concept, Misconception};

    fn rubric() -> Rubric {
        Rubric {
            min_words: 8,
            concepts: vec![
                Concept {
                    id: "memory".into(),
                    label: "the session lived in one replica's memory".into(),
                    required: true,
                    phrases: vec!["replica memory".into(), "in its own memory".into()],
                    patterns: vec![],
                    ask: "Where was the session kept?".into(),
                },
                Concept {
                    id: "shared".into(),
                    label: "a shared store fixes it".into(),
                    required: true,
                    phrases: vec!["shared store".into()],
                    patterns: vec![r"\bevery replica (read|look)".into()],
                    ask: "What would let any replica find it?".into(),
                },
            ],
            misconceptions: vec![Misconception {
                id: "sticky".into(),
                phrases: vec![],
                patterns: vec![r"\bsticky\b.{0,30}\b(fix|solve)".into()],
                feedback: "Sticky routing hides it.".into(),
            }],
        }
    }

    const Q: &str = "Why did the login vanish, and why does your fix work?";

    #[test]
    fn pass_needs_every_required_concept() {
        let v = grade(
            &rubric(),
            Q,
            "The session sat in replica memory. A shared store means every replica reads it.",
        );
        assert_eq!(v.outcome, Outcome::Pass, "{v:#?}");
        assert_eq!(
            v.concepts[1].evidence.as_deref(),
            Some("A shared store means every replica reads it.")
        );
    }

    #[test]
    fn partial_names_what_it_has() {
        let v = grade(
            &rubric(),
            Q,
            "The session only sat in replica memory of the first one.",
        );
        assert_eq!(v.outcome, Outcome::Partial);
        assert!(v.message.contains("one replica's memory"), "{}", v.message);
        assert!(!v.concepts[1].found);
    }

    #[test]
    fn misconception_blocks_a_pass_and_negated_one_does_not() {
        let base =
            "The session sat in replica memory. A shared store means every replica reads it.";
        let v = grade(
            &rubric(),
            Q,
            &format!("{base} Sticky sessions would fix it too."),
        );
        assert_eq!(v.outcome, Outcome::NotYet);
        assert_eq!(v.misconceptions[0].id, "sticky");
        let v = grade(
            &rubric(),
            Q,
            &format!("{base} Sticky sessions would not fix it."),
        );
        assert_eq!(v.outcome, Outcome::Pass, "{v:#?}");
    }

    #[test]
    fn negated_concept_does_not_count() {
        let v = grade(
            &rubric(),
            Q,
            "The session was never in replica memory. There is no shared store behind it at all.",
        );
        assert!(v.concepts.iter().all(|c| !c.found), "{v:#?}");
    }

    #[test]
    fn screens_each_say_why() {
        let r = rubric();
        let cases = [
            ("", Screen::Empty),
            ("replica memory.", Screen::TooShort),
            (
                "replica memory, shared store, balancer, cookie, token",
                Screen::Keywords,
            ),
            (
                "Why did the login vanish and why does the fix work? The login did vanish.",
                Screen::Echo,
            ),
            (
                "I had pasta for lunch today and then went for a long walk in the park.",
                Screen::OffTopic,
            ),
        ];
        for (answer, want) in cases {
            let v = grade(&r, Q, answer);
            assert_eq!(v.screen, Some(want), "{answer:?}: {v:#?}");
            assert_eq!(v.outcome, Outcome::NotYet);
            assert!(v.message.starts_with("Not yet"));
        }
    }

    #[test]
    fn a_negated_match_does_not_hide_a_positive_one_after_it() {
        let mut r = rubric();
        r.concepts[1].patterns = vec![r"\b(login|it)\b.{0,30}\bin the token\b".into()];
        let v = grade(
            &r,
            Q,
            "None of the replicas stored my login; it was in the token I held all along.",
        );
        assert!(v.concepts[1].found, "{v:#?}");
        let v = grade(
            &r,
            Q,
            "The replicas kept the login, and it was never in the token at any point.",
        );
        assert!(!v.concepts[1].found, "{v:#?}");
    }

    #[test]
    fn bad_patterns_are_reported() {
        let mut r = rubric();
        r.concepts[0].patterns.push("(unclosed".into());
        let errs = check_patterns(&r);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].owner, "concept memory");
    }
}
