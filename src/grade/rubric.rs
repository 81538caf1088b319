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

use serde::{Deserialize, Serialize};

use crate::course::problem::{Problem, Rubric};
use crate::course::rubric::text;
use crate::course::rubric::{CompiledRubric, Hit, Reading, Rule, Source};

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
    /// Written in another language: the rubrics read English only.
    NotEnglish,
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
    /// The rubric line that found it (`match[2] = "…"`): what an author tunes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_by: Option<String>,
    /// The rubric's guiding question, for when it is missing.
    pub ask: String,
    /// Where the learner says they do not know this idea ("not sure why b and c were
    /// involved"): it is not credited, whatever else the answer describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsure: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MisconceptionHit {
    pub id: String,
    pub feedback: String,
    pub evidence: String,
    /// The rubric line that found it (`match[2] = "…"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_by: Option<String>,
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

    /// What the learner's record keeps of it.
    pub fn record_outcome(&self) -> crate::progress::AnswerOutcome {
        use crate::progress::AnswerOutcome;
        match self.outcome {
            Outcome::Pass => AnswerOutcome::Pass,
            Outcome::Partial => AnswerOutcome::Partial,
            Outcome::NotYet => AnswerOutcome::NotYet,
        }
    }
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

/// How much of a sentence a found idea quotes; a wrong claim quotes more, since the learner
/// must find in it what to reword (a cut quote once stopped before the words it objected to).
const CONCEPT_QUOTE: usize = 160;
const CLAIM_QUOTE: usize = 480;

/// Where a rule is asserted: the sentence quoted, and the rubric line that fired as the
/// author wrote it (`match[2] = "…"`).
fn best_positive(
    reading: &Reading,
    rule: &Rule,
    entry: Entry<'_>,
    hits: &[Hit],
    max: usize,
) -> Option<(String, String)> {
    // The most specific line's first hit: the sentence that says the most of the idea.
    let best = hits
        .iter()
        .filter(|h| !h.negated)
        .max_by_key(|h| (rule.groups(h), std::cmp::Reverse((h.sentence, h.line))));
    best.map(|h| {
        let (field, lines, j) = match rule.source(h) {
            Some(Source::Match(j)) => ("match", entry.0, j),
            Some(Source::Phrase(j)) => ("phrases", entry.1, j),
            Some(Source::Pattern(j)) => ("patterns", entry.2, j),
            None => ("", &[][..], 0),
        };
        let line = lines
            .get(j)
            .map(|l| format!("{field}[{j}] = {l:?}"))
            .unwrap_or_default();
        (evidence(&reading.sentences[h.sentence].original, max), line)
    })
}

/// A concept's or misconception's `match`, `phrases` and `patterns`, as written.
type Entry<'a> = (&'a [String], &'a [String], &'a [String]);

/// A sentence as evidence, cut to a readable length between words.
fn evidence(sentence: &str, max: usize) -> String {
    let one_line = sentence.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut cut = String::new();
    for word in one_line.split(' ') {
        if cut.chars().count() + word.chars().count() + 2 > max {
            break;
        }
        if !cut.is_empty() {
            cut.push(' ');
        }
        cut.push_str(word);
    }
    if cut.is_empty() {
        // One word longer than the quote (a token pasted in): cut it.
        cut = one_line.chars().take(max.saturating_sub(1)).collect();
    }
    format!("{cut}…")
}

/// Grade a written answer to a problem, with the rubric compiled when the course loaded.
pub fn grade(problem: &Problem, answer: &str) -> Verdict {
    grade_with(
        &problem.rubric,
        &problem.compiled,
        &problem.question,
        answer,
    )
}

/// Grade against a rubric and its compiled form.
pub fn grade_with(
    rubric: &Rubric,
    compiled: &CompiledRubric,
    question: &str,
    answer: &str,
) -> Verdict {
    let reading = compiled.read(answer);
    let words: Vec<&str> = reading
        .sentences
        .iter()
        .flat_map(|s| s.words.iter().map(String::as_str))
        .collect();

    let doubted = compiled.doubted(&reading, question);
    let concepts: Vec<ConceptResult> = rubric
        .concepts
        .iter()
        .zip(&compiled.concepts)
        .enumerate()
        .map(|(ci, (c, rule))| {
            let unsure = doubted
                .iter()
                .find(|&&(d, _)| d == ci)
                .map(|&(_, si)| evidence(&reading.sentences[si].original, CONCEPT_QUOTE));
            if unsure.is_some() {
                return ConceptResult {
                    id: c.id.clone(),
                    label: c.label.clone(),
                    found: false,
                    required: c.required,
                    evidence: None,
                    matched_by: None,
                    ask: c.ask.clone(),
                    unsure,
                };
            }
            let found = best_positive(
                &reading,
                rule,
                (&c.matches, &c.phrases, &c.patterns),
                &compiled.hits(rule, &reading),
                CONCEPT_QUOTE,
            );
            let (evidence, matched_by) = found.unzip();
            ConceptResult {
                id: c.id.clone(),
                label: c.label.clone(),
                found: evidence.is_some(),
                required: c.required,
                evidence,
                matched_by,
                ask: c.ask.clone(),
                unsure: None,
            }
        })
        .collect();
    let misconceptions: Vec<MisconceptionHit> = rubric
        .misconceptions
        .iter()
        .zip(&compiled.misconceptions)
        .filter_map(|(m, rule)| {
            let (evidence, matched_by) = best_positive(
                &reading,
                rule,
                (&m.matches, &m.phrases, &m.patterns),
                &compiled.hits(rule, &reading),
                CLAIM_QUOTE,
            )?;
            Some(MisconceptionHit {
                id: m.id.clone(),
                feedback: m.feedback.clone(),
                evidence,
                matched_by: Some(matched_by),
            })
        })
        .collect();

    let written = Written {
        text: answer,
        sentences: reading.sentences.len(),
        words: &words,
    };
    let screen = screen(
        rubric,
        compiled,
        question,
        &written,
        &concepts,
        &misconceptions,
    );
    let (outcome, message) = match screen {
        Some(s) => (
            Outcome::NotYet,
            screen_message(s, words.len(), rubric.min_words),
        ),
        None => judge(&concepts, &misconceptions),
    };
    // Words of another language meet a rubric only through their English jargon ("Replica",
    // "Balancer"): what that found is noise, so no idea is shown as read from it.
    let (concepts, misconceptions) = if screen == Some(Screen::NotEnglish) {
        let unread = concepts
            .into_iter()
            .map(|c| ConceptResult {
                found: false,
                evidence: None,
                matched_by: None,
                unsure: None,
                ..c
            })
            .collect();
        (unread, Vec::new())
    } else {
        (concepts, misconceptions)
    };
    Verdict {
        outcome,
        concepts,
        misconceptions,
        message,
        screen,
    }
}

/// The answer as the screens see it: its text, how many sentences, its words.
struct Written<'a> {
    text: &'a str,
    sentences: usize,
    words: &'a [&'a str],
}

/// Turn away answers that are not answers yet, each for its own stated reason.
fn screen(
    rubric: &Rubric,
    compiled: &CompiledRubric,
    question: &str,
    written: &Written<'_>,
    concepts: &[ConceptResult],
    misconceptions: &[MisconceptionHit],
) -> Option<Screen> {
    let (answer, words) = (written.text, written.words);
    if words.is_empty() {
        return Some(Screen::Empty);
    }
    if super::language::not_english(answer, words).is_some() {
        return Some(Screen::NotEnglish);
    }
    // Terse notes that state every key idea are an answer; a list of terms is not.
    let every_idea = concepts.iter().filter(|c| c.required).all(|c| c.found);
    if is_keyword_list(answer, written.sentences, words, every_idea) {
        return Some(Screen::Keywords);
    }
    if words.len() < rubric.min_words {
        return Some(Screen::TooShort);
    }
    if is_echo(question, words) {
        return Some(Screen::Echo);
    }
    let nothing_found = !concepts.iter().any(|c| c.found) && misconceptions.is_empty();
    if nothing_found && topic_words(compiled, words) < 3 {
        return Some(Screen::OffTopic);
    }
    None
}

/// Fragments separated by commas, line breaks or bullets, mostly a few words each and
/// hardly any grammar between them.
fn is_keyword_list(answer: &str, sentences: usize, words: &[&str], every_idea: bool) -> bool {
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
    // A writer who parts items with `|` chose that as the separator: commas inside are
    // part of an item ("JWT held by client, sent as Bearer | restart = nothing lost"), not
    // more items.
    let separators: &[char] = if answer.contains('|') {
        &['|']
    } else {
        &[',', ';', '|', '•']
    };
    let fragments: Vec<usize> = joined
        // A slash between spaces separates items; inside a word it is a path (`/login`).
        .replace(" / ", ",")
        .split(separators)
        .map(|f| text::words(f).len())
        .filter(|&n| n > 0)
        .collect();
    let short = fragments.iter().filter(|&&n| n <= 3).count();
    // A table's cells are short too, but a table set among sentences is an answer
    // (looked for only when the fragments alone read as a list).
    let prose = || {
        answer
            .split(['.', '!', '?'])
            .filter(|piece| {
                let w = text::words(piece);
                w.len() >= 6
                    && w.iter()
                        .filter(|w| FUNCTION_WORDS.contains(&w.as_str()))
                        .count()
                        >= 2
            })
            .count()
    };
    let listy = fragments.len() >= 4 && short * 4 >= fragments.len() * 3 && prose() < 2;
    // Arrows, equals signs and brackets connect ideas the way small words do in prose
    // ("edit payload -> signature fails").
    let count = |marks: &[&str]| {
        marks
            .iter()
            .map(|c| answer.matches(c).count())
            .sum::<usize>()
    };
    let arrows = count(&["->", "→", "=>"]);
    let connectives = arrows + count(&["=", "(", ":"]);
    let function = words.iter().filter(|w| FUNCTION_WORDS.contains(w)).count() + connectives;
    let grammarless = words.len() >= 6 && function * 8 < words.len();
    // Notes without small words still pass when they state every idea in sentences or with
    // arrows; one run of terms does not, however many rubric words it names.
    let one_run = sentences <= 1 && connectives == 0;
    // Short items joined by arrows ("revoke -> record deleted -> every lookup misses") are
    // notes of how things follow from each other, when together they state every idea.
    // So are items of three words or more, half of them at least ("client holds token /
    // verify signature with issuer public key / restart loses nothing"): a list of terms
    // is mostly one or two words an item.
    let phrased = fragments.iter().filter(|&&n| n >= 3).count() * 2 >= fragments.len();
    let noted = every_idea && (arrows >= 3 || phrased);
    (listy && !noted) || (grammarless && (!every_idea || one_run))
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
fn topic_words(compiled: &CompiledRubric, words: &[&str]) -> usize {
    let mut vocabulary: BTreeSet<String> = TOPIC_WORDS.iter().map(|w| text::stem(w)).collect();
    let function: BTreeSet<String> = FUNCTION_WORDS.iter().map(|w| text::stem(w)).collect();
    vocabulary.extend(
        compiled
            .vocabulary()
            .filter(|s| !function.contains(*s))
            .map(str::to_string),
    );
    let answer: BTreeSet<String> = words.iter().map(|w| text::stem(w)).collect();
    answer.intersection(&vocabulary).count()
}

fn screen_message(screen: Screen, words: usize, min_words: usize) -> String {
    match screen {
        Screen::Empty => "Not yet: the answer is empty. Write a few sentences in your own words.".into(),
        Screen::NotEnglish => "Not yet: this does not read as English, and the grader reads English only. Say it again in English; short, plain sentences are fine. (After a second try that does not pass, you can compare your answer with the model answer and mark it yourself.)".into(),
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

    fn concept(id: &str, label: &str, matches: &[&str]) -> Concept {
        Concept {
            id: id.into(),
            label: label.into(),
            required: true,
            matches: matches.iter().map(|m| m.to_string()).collect(),
            scope: None,
            not_with: vec![],
            span: None,
            phrases: vec![],
            patterns: vec![],
            ask: format!("What about {id}?"),
        }
    }

    fn rubric() -> Rubric {
        Rubric {
            min_words: 8,
            words: [(
                "replica".to_string(),
                "replica | server | instance".to_string(),
            )]
            .into(),
            real_words: vec![],
            concepts: vec![
                concept(
                    "memory",
                    "the session lived in one replica's memory",
                    &["memory | ram + @replica"],
                ),
                concept(
                    "shared",
                    "a shared store fixes it",
                    &["shared | central | common + store | database | redis"],
                ),
            ],
            misconceptions: vec![Misconception {
                id: "sticky".into(),
                matches: vec!["sticky + fix | solve".into()],
                scope: None,
                not_with: vec![],
                span: None,
                phrases: vec![],
                patterns: vec![],
                feedback: "Sticky routing hides it.".into(),
            }],
        }
    }

    const Q: &str = "Why did the login vanish, and why does your fix work?";

    #[test]
    fn an_idea_the_learner_says_they_do_not_know_is_not_credited() {
        let r = rubric();
        let sure =
            "The session lived in replica a's memory. A shared store fixed it for every request.";
        assert_eq!(run(&r, sure).outcome, Outcome::Pass);
        // The same words, but the learner says they cannot explain the memory part.
        let unsure = "The session lived in replica a's memory, not sure why the other \
                      replicas could not see it though. A shared store fixed it.";
        let v = run(&r, unsure);
        assert_eq!(v.outcome, Outcome::Partial, "{v:?}");
        let memory = &v.concepts[0];
        assert!(!memory.found && memory.evidence.is_none(), "{memory:?}");
        assert!(
            memory
                .unsure
                .as_deref()
                .unwrap_or("")
                .contains("not sure why"),
            "{memory:?}"
        );
        assert!(v.concepts[1].found, "the other idea still counts: {v:?}");
        let shown = super::super::feedback::render(&v, "");
        assert!(shown.contains("you wrote you are not sure"), "{shown}");
        // A guess put as a question earns nothing either.
        let guess =
            "Maybe the session lived in one replica's memory? A shared store fixed it anyway.";
        assert_ne!(run(&r, guess).outcome, Outcome::Pass);
    }

    fn run(r: &Rubric, answer: &str) -> Verdict {
        let compiled = CompiledRubric::compile(r).expect("rubric compiles");
        grade_with(r, &compiled, Q, answer)
    }

    #[test]
    fn pass_needs_every_required_concept() {
        let v = run(
            &rubric(),
            "The session sat in replica memory. A shared store means every replica reads it.",
        );
        assert_eq!(v.outcome, Outcome::Pass, "{v:#?}");
        assert_eq!(
            v.concepts[1].evidence.as_deref(),
            Some("A shared store means every replica reads it.")
        );
    }

    // "printed … seal" and "write over it … seal no longer matches" both find the idea; the
    // quote is the sentence the fuller line found, which is the one that says it.
    #[test]
    fn the_quote_is_the_sentence_that_says_the_most() {
        let mut r = rubric();
        r.concepts.push(concept(
            "tamper",
            "an edit breaks the seal",
            &[
                "edit | write | print + seal",
                "edit | write + seal + no longer matches | breaks",
            ],
        ));
        let v = run(
            &r,
            "They print my name and a seal on it. If I write over it the seal no longer matches.",
        );
        let tamper = v.concepts.iter().find(|c| c.id == "tamper").unwrap();
        assert_eq!(
            tamper.evidence.as_deref(),
            Some("If I write over it the seal no longer matches.")
        );
        assert!(
            tamper
                .matched_by
                .as_deref()
                .unwrap()
                .starts_with("match[1]")
        );
    }

    #[test]
    fn own_words_typos_and_word_order() {
        let v = run(
            &rubric(),
            "login lived in RAM of server a only, other servrs had nothing; fix = redis as a shared database",
        );
        assert_eq!(v.outcome, Outcome::Pass, "{v:#?}");
    }

    #[test]
    fn partial_names_what_it_has() {
        let v = run(
            &rubric(),
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
        let v = run(
            &rubric(),
            &format!("{base} Sticky sessions would fix it too."),
        );
        assert_eq!(v.outcome, Outcome::NotYet);
        assert_eq!(v.misconceptions[0].id, "sticky");
        let v = run(
            &rubric(),
            &format!("{base} Sticky sessions would not fix it."),
        );
        assert_eq!(v.outcome, Outcome::Pass, "{v:#?}");
    }

    #[test]
    fn negated_concept_does_not_count() {
        let v = run(
            &rubric(),
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
            (
                "Die Sitzung lag nur im Speicher von Replica a, und der Balancer schickte die \
                 nächsten Anfragen an b und c, die sie nicht kannten. Ein gemeinsamer Speicher \
                 für alle Replicas behebt das.",
                Screen::NotEnglish,
            ),
        ];
        for (answer, want) in cases {
            let v = run(&r, answer);
            assert_eq!(v.screen, Some(want), "{answer:?}: {v:#?}");
            if want == Screen::NotEnglish {
                // Its English jargon ("Replica", "Balancer") is not shown as an idea read.
                assert!(v.concepts.iter().all(|c| !c.found && c.evidence.is_none()));
                assert!(v.misconceptions.is_empty());
            }
            assert_eq!(v.outcome, Outcome::NotYet);
            assert!(v.message.starts_with("Not yet"));
        }
    }

    #[test]
    fn a_table_among_sentences_is_not_a_keyword_list() {
        let table =
            "| replica | session | answer | | a | no | 401 | | b | yes | 200 | | c | no | 401 |";
        assert!(is_keyword_list(
            table,
            1,
            &text::words(table)
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            true
        ));
        let answer = format!(
            "{table} The session sat in replica memory on b alone. A shared store means every \
             replica reads it, so all three answer 200."
        );
        let words = text::words(&answer);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        assert!(!is_keyword_list(&answer, 3, &words, true));
    }

    #[test]
    fn items_parted_by_pipes_keep_their_commas() {
        // The writer parts items with `|`: "JWT held by client, sent as Bearer" is one item
        // of notes that state every idea (P0's, refused as a list of terms before).
        let notes = "JWT held by client, sent as Bearer | claims: sub, role, badge, exp | \
                     verify signature w/ issuer public key (JWKS), no lookup | restart = nothing \
                     lost | base64url = encoding, readable | edited payload -> signature \
                     mismatch -> rejected";
        let words = text::words(notes);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        assert!(!is_keyword_list(notes, 1, &words, true));
        // Parted by commas instead, most items are one or two words: a list of terms.
        let commas = notes.replace('|', ",");
        let words = text::words(&commas);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        assert!(is_keyword_list(&commas, 1, &words, true));
        // Short items between pipes are still a list of terms.
        let terms = "token | client | signature | public key | JWKS | base64 | readable";
        let words = text::words(terms);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        assert!(is_keyword_list(terms, 1, &words, true));
    }

    #[test]
    fn notes_joined_by_arrows_that_state_every_idea_are_an_answer() {
        let notes = "shared: revoke -> record deleted -> every lookup misses -> 401; token: \
                     self-contained, sig + exp only, valid till exp, revoke useless; denylist = \
                     state again; sessions = easy, tokens = hard";
        let words = text::words(notes);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        // The same short items read as a list of terms until they state every idea.
        assert!(is_keyword_list(notes, 1, &words, false));
        assert!(!is_keyword_list(notes, 1, &words, true));
        let plain = notes.replace("->", ",");
        let words = text::words(&plain);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        assert!(is_keyword_list(&plain, 1, &words, true));
    }

    #[test]
    fn quotes_are_cut_between_words_and_a_wrong_claim_quotes_more() {
        let long = "In token mode the replicas verify the signature with the issuer's public key \
                    from the JWKS and look nothing up, so the restart lost nothing, and by the \
                    way the attacker's token kept working on every replica until it expired.";
        let short = evidence(long, CONCEPT_QUOTE);
        assert!(short.ends_with('…'), "{short}");
        let kept = short.trim_end_matches('…');
        assert!(
            long.starts_with(kept) && long[kept.len()..].starts_with(' '),
            "{short}"
        );
        assert_eq!(evidence(long, CLAIM_QUOTE), long, "the whole sentence");
    }
}
