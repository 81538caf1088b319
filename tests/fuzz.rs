//! Property tests as fuzz targets: whatever a course author or an outsider sends, these
//! never panic and keep their promises. `cargo test` runs a few hundred cases each;
//! `bash benches/fuzz.sh` runs each target for minutes (PROPTEST_CASES, fresh seeds).

use forgetful::course::Course;
use forgetful::lab::tokens::{Checks, Issuer, Verifier, Weaknesses};
use forgetful::markdown::{RenderOptions, plain_lines, predict, render, request};
use proptest::prelude::*;
use unicode_width::UnicodeWidthStr;

/// The course, compiled once for every case.
static COURSE: std::sync::LazyLock<Course> =
    std::sync::LazyLock::new(|| Course::load(None).expect("the embedded course loads"));

/// Markdown-ish text: the characters that drive the parser, plus anything at all.
fn markdownish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("# ".to_string()),
            Just("\n".to_string()),
            Just("\n\n".to_string()),
            Just("```http\nGET /me\n```\n".to_string()),
            Just("```predict\nQ?\n- [status=200] a\n- b\nanswer: 1\nwhy: w\n```\n".to_string()),
            Just("```mermaid\nflowchart LR\nA-->B\n```\n".to_string()),
            Just("| a | b |\n|---|---|\n| c | d |\n".to_string()),
            Just("> **Note:** ".to_string()),
            Just("- ".to_string()),
            Just("`code`".to_string()),
            Just("**b**".to_string()),
            Just("[l](04-sessions.md)".to_string()),
            "[a-zA-Z0-9 ,.]{0,30}",
            any::<String>(),
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64)
    ))]

    #[test]
    fn markdown_renders_any_text_within_the_width(src in markdownish(), width in 2u16..120) {
        let r = render(&src, width, &RenderOptions { color: true });
        for line in plain_lines(&r.text) {
            prop_assert!(line.width() <= usize::from(width), "{width}: {line:?}");
        }
    }

    #[test]
    fn request_and_predict_blocks_never_panic(src in any::<String>()) {
        let _ = request::parse(&src);
        let _ = predict::parse(&src);
    }

    #[test]
    fn any_token_string_is_refused_never_accepted(token in any::<String>(), parts in prop::collection::vec("[A-Za-z0-9_=-]{0,40}", 1..5)) {
        let issuer = Issuer::from_seed([3u8; 32]).unwrap();
        let verifier = Verifier::from_jwks(&issuer.jwks_json()).unwrap();
        prop_assert!(verifier.verify(&token).is_err());
        prop_assert!(verifier.verify(&parts.join(".")).is_err());
        // Every weak verifier on at once: still no panic, whatever arrives.
        let all = forgetful::api::Weakness::ALL
            .iter()
            .fold(Weaknesses::default(), |w, x| w.with(*x, true));
        let checks = Checks::at(0).with_weaknesses(all);
        let _ = verifier.verify_with(&token, &checks);
        let _ = verifier.verify_with(&parts.join("."), &checks);
    }

    /// The console's request line: whatever a learner types or pastes (a request, a URL, a
    /// curl command with quotes and flags) is read or refused with a reason, never a panic,
    /// and a request it reads has a method and a path.
    #[test]
    fn any_request_line_or_curl_is_read_or_refused(
        text in any::<String>(),
        curlish in prop::collection::vec(
            prop_oneof![
                Just("curl ".to_string()), Just("-X ".to_string()), Just("POST ".to_string()),
                Just("-H ".to_string()), Just("'Content-Type: application/json' ".to_string()),
                Just("-d ".to_string()), Just("'{\"a\":1}' ".to_string()), Just("\"".to_string()),
                Just("'".to_string()), Just(" \\ ".to_string()), Just("http://127.0.0.1:7878/me ".to_string()),
                Just("/login ".to_string()), Just("--data-raw ".to_string()), Just("-b sid=x ".to_string()),
                "[ -~]{0,12}",
            ],
            0..12,
        ),
    ) {
        use forgetful::tui::console::parse::request_line;
        for line in [text, curlish.concat()] {
            match request_line(&line) {
                Ok(r) => {
                    prop_assert!(!r.method.is_empty(), "{:?} -> {:?}", line, r);
                    prop_assert!(r.path.starts_with('/'), "{:?} -> {:?}", line, r);
                }
                Err(e) => prop_assert!(!e.is_empty()),
            }
        }
    }

    #[test]
    fn any_answer_is_graded_without_panic(text in any::<String>(), words in "[a-z ,.;!?'-]{0,400}") {
        for p in &COURSE.problems {
            let v = forgetful::grade::rubric::grade(p, &text);
            prop_assert_eq!(v.concepts.len(), p.rubric.concepts.len());
            let _ = forgetful::grade::rubric::grade(p, &words);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).map(|c: u32| c / 8).unwrap_or(6).max(4)
    ))]

    /// A broken problem file is reported, never a panic: any text as `problems/x.toml`.
    #[test]
    fn any_problem_file_is_checked_without_panic(toml in prop_oneof![
        any::<String>(),
        "(title|check|statement|question|model_answer|\\[rubric\\]|\\[\\[rubric.concepts\\]\\]|id|label|ask|match|patterns) = [\"a-z |+@(]{0,20}\n".prop_map(|s| s.repeat(3)),
    ]) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lessons")).unwrap();
        std::fs::create_dir_all(dir.path().join("problems")).unwrap();
        std::fs::write(dir.path().join("course.toml"), "format_version = 1\n").unwrap();
        std::fs::write(dir.path().join("problems/x.toml"), toml).unwrap();
        let _ = Course::check(Some(dir.path()));
        let _ = Course::load(Some(dir.path()));
    }
}
