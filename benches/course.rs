//! Rendering and loading times, printed (a plain loop; targets: render ≤ 2 ms, load ≤ 20 ms).
//! The embedded course (the one the binary ships) is measured.

use std::hint::black_box;
use std::time::{Duration, Instant};

use forgetful::course::Course;
use forgetful::markdown::{RenderOptions, render};

// The allocator the shipped binary uses (see src/main.rs), so the figures are the binary's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn time<T>(runs: u32, mut f: impl FnMut() -> T) -> Duration {
    black_box(f());
    let start = Instant::now();
    for _ in 0..runs {
        black_box(f());
    }
    start.elapsed() / runs
}

fn main() {
    let course = Course::load(None).expect("the embedded course loads");
    let longest = course
        .lessons
        .iter()
        .max_by_key(|l| l.source.len())
        .expect("a course with lessons");

    let render_time = time(200, || {
        render(&longest.source, 100, &RenderOptions { color: true })
    });
    // Each load on a thread of its own, so it starts with empty per-thread caches (stems,
    // phrases) as a fresh process does: a process loads its course once.
    let load_time = time(50, || {
        std::thread::spawn(|| Course::load_fresh(None).expect("loads"))
            .join()
            .expect("the load thread")
    });
    let check_time = time(20, || Course::check(None).expect("checks"));
    println!(
        "render {} ({} bytes) at 100 columns: {:.3} ms (target ≤ 2 ms)",
        longest.id,
        longest.source.len(),
        render_time.as_secs_f64() * 1e3
    );
    println!(
        "load the embedded course ({} lessons, {} problems), caches cold: {:.3} ms (target ≤ 20 ms)",
        course.lessons.len(),
        course.problems.len(),
        load_time.as_secs_f64() * 1e3
    );
    println!("course check: {:.3} ms", check_time.as_secs_f64() * 1e3);

    // Grading: one answer against a rubric compiled when the course loaded.
    let long_answer = "The login was kept only in replica a's memory; the balancer sent later \
        requests to b and c, which had no record of it, so they answered 401. The fix moves \
        the login out of the replica: a shared store that every replica reads, or a signed \
        token that any replica verifies with the issuer's public key. Sticky routing only hides \
        it, because a restart of a would still lose the login.";
    // The first answer after a load also builds the automata of the patterns it meets.
    let mut first = vec![Duration::ZERO; course.problems.len()];
    for _ in 0..10 {
        let fresh = Course::load_fresh(None).expect("loads");
        for (problem, total) in fresh.problems.iter().zip(&mut first) {
            let start = Instant::now();
            black_box(forgetful::grade::rubric::grade(problem, long_answer));
            *total += start.elapsed() / 10;
        }
    }
    for (problem, first) in course.problems.iter().zip(first) {
        println!(
            "grade the first answer to {} after a load: {:.3} ms (target ≤ 5 ms)",
            problem.id,
            first.as_secs_f64() * 1e3
        );
    }
    for problem in &course.problems {
        let grade_time = time(500, || {
            forgetful::grade::rubric::grade(problem, long_answer)
        });
        println!(
            "grade a {}-word answer to {}: {:.3} ms (target ≤ 5 ms)",
            long_answer.split_whitespace().count(),
            problem.id,
            grade_time.as_secs_f64() * 1e3
        );
    }
}
