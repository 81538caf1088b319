//! What the generator counts: a window per connection, merged once a second into the series
//! the line, the summary and the chart are made from.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::Serialize;

/// Latencies in microseconds, 1 µs to 60 s, two significant digits (1% resolution).
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 2).expect("valid histogram bounds")
}

/// What one connection saw since the reporter last looked.
pub struct Window {
    pub requests: u64,
    /// `X-Served-By` → answers (`balancer` when the balancer answered itself).
    pub by_replica: Vec<(String, u64)>,
    /// HTTP status → answers.
    pub status: Vec<(u16, u64)>,
    /// Requests that got no HTTP answer (refused, reset, timed out).
    pub transport_errors: u64,
    pub latency: Histogram<u64>,
}

impl Default for Window {
    fn default() -> Self {
        Window {
            requests: 0,
            by_replica: Vec::new(),
            status: Vec::new(),
            transport_errors: 0,
            latency: histogram(),
        }
    }
}

fn bump<K: PartialEq>(list: &mut Vec<(K, u64)>, key: K) {
    match list.iter_mut().find(|(k, _)| *k == key) {
        Some((_, n)) => *n += 1,
        None => list.push((key, 1)),
    }
}

impl Window {
    /// One answer: its status, who served it (the header's bytes) and how long it took.
    pub fn answer(&mut self, status: u16, served_by: Option<&[u8]>, micros: u64) {
        self.requests += 1;
        bump(&mut self.status, status);
        let name = served_by.unwrap_or(b"?");
        match self
            .by_replica
            .iter_mut()
            .find(|(k, _)| k.as_bytes() == name)
        {
            Some((_, n)) => *n += 1,
            None => self
                .by_replica
                .push((String::from_utf8_lossy(name).into_owned(), 1)),
        }
        self.latency.saturating_record(micros.max(1));
    }

    /// A request that got no answer at all.
    pub fn failed(&mut self, micros: u64) {
        self.requests += 1;
        self.transport_errors += 1;
        self.latency.saturating_record(micros.max(1));
    }
}

/// One second of the run (the last may be shorter).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Second {
    /// Seconds since traffic started, at the end of this one (1, 2, …).
    pub t: f64,
    pub requests: u64,
    pub by_replica: BTreeMap<String, u64>,
    pub status: BTreeMap<u16, u64>,
    pub transport_errors: u64,
    /// 401 answers: requests whose login was not found.
    pub unauthorized: u64,
    /// Every answer that was neither 2xx nor 401, and every request with no answer.
    pub failed: u64,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    /// The WebSocket chat clients, when the run holds some (`--chat K`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat: Option<ChatSecond>,
}

/// The chat clients in one second: how many were connected at its end, how many connections
/// dropped and how many reconnected during it, and both so far.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ChatSecond {
    pub connected: u64,
    pub drops: u64,
    pub reconnects: u64,
    pub drops_total: u64,
    pub reconnects_total: u64,
}

/// Merges windows into one second (or into the whole run) and empties them.
#[derive(Default)]
pub struct Merge {
    pub requests: u64,
    pub by_replica: BTreeMap<String, u64>,
    pub status: BTreeMap<u16, u64>,
    pub transport_errors: u64,
    pub latency: Option<Histogram<u64>>,
}

impl Merge {
    pub fn take(&mut self, w: &mut Window) {
        self.requests += w.requests;
        for (k, n) in w.by_replica.drain(..) {
            *self.by_replica.entry(k).or_default() += n;
        }
        for (k, n) in w.status.drain(..) {
            *self.status.entry(k).or_default() += n;
        }
        self.transport_errors += w.transport_errors;
        let h = self.latency.get_or_insert_with(histogram);
        // Same bounds on both sides: adding cannot fail.
        let _ = h.add(&w.latency);
        w.latency.reset();
        w.requests = 0;
        w.transport_errors = 0;
    }

    pub fn add(&mut self, other: &Merge) {
        self.requests += other.requests;
        for (k, n) in &other.by_replica {
            *self.by_replica.entry(k.clone()).or_default() += n;
        }
        for (k, n) in &other.status {
            *self.status.entry(*k).or_default() += n;
        }
        self.transport_errors += other.transport_errors;
        if let Some(o) = &other.latency {
            let _ = self.latency.get_or_insert_with(histogram).add(o);
        }
    }

    pub fn unauthorized(&self) -> u64 {
        self.status.get(&401).copied().unwrap_or(0)
    }

    pub fn failed(&self) -> u64 {
        self.transport_errors
            + self
                .status
                .iter()
                .filter(|(s, _)| !(200..300).contains(*s) && **s != 401)
                .map(|(_, n)| n)
                .sum::<u64>()
    }

    /// The latency at `q` (0..=1) in milliseconds, when anything was recorded.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        self.latency
            .as_ref()
            .filter(|h| !h.is_empty())
            .map(|h| h.value_at_quantile(q) as f64 / 1000.0)
    }

    pub fn max_ms(&self) -> Option<f64> {
        self.latency
            .as_ref()
            .filter(|h| !h.is_empty())
            .map(|h| h.max() as f64 / 1000.0)
    }

    pub fn second(&self, t: f64) -> Second {
        Second {
            t,
            requests: self.requests,
            by_replica: self.by_replica.clone(),
            status: self.status.clone(),
            transport_errors: self.transport_errors,
            unauthorized: self.unauthorized(),
            failed: self.failed(),
            p50_ms: self.quantile_ms(0.5),
            p99_ms: self.quantile_ms(0.99),
            chat: None,
        }
    }
}

/// Count answers that landed as the last second closed into that second. Its latencies stay
/// what its line said (the late few are in the run's total), and so do its chat counts:
/// rebuilding the second from requests alone once dropped them, now and then, in a run with
/// chat clients.
pub fn fold_late(last: &mut Second, late: &Merge) {
    let mut m = Merge {
        requests: last.requests,
        by_replica: last.by_replica.clone(),
        status: last.status.clone(),
        transport_errors: last.transport_errors,
        latency: None,
    };
    m.add(late);
    let (p50, p99, chat) = (last.p50_ms, last.p99_ms, last.chat.take());
    *last = m.second(last.t);
    (last.p50_ms, last.p99_ms, last.chat) = (p50, p99, chat);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_answers_join_the_last_second_and_keep_its_latencies_and_chat() {
        let mut w = Window::default();
        w.answer(200, Some(b"a"), 1000);
        let mut m = Merge::default();
        m.take(&mut w);
        let mut last = m.second(3.0);
        last.chat = Some(ChatSecond {
            connected: 6,
            drops: 2,
            ..ChatSecond::default()
        });
        let p50 = last.p50_ms;
        w.answer(200, Some(b"b"), 90_000);
        let mut late = Merge::default();
        late.take(&mut w);
        fold_late(&mut last, &late);
        assert_eq!(last.requests, 2);
        assert_eq!(last.by_replica["b"], 1);
        assert_eq!(last.p50_ms, p50);
        assert_eq!(
            last.chat.as_ref().map(|c| (c.connected, c.drops)),
            Some((6, 2))
        );
        assert_eq!(last.t, 3.0);
    }

    #[test]
    fn windows_merge_into_seconds_and_empty_themselves() {
        let mut w = Window::default();
        for i in 0..98 {
            w.answer(200, Some(b"a"), 1000 + i);
        }
        w.answer(401, Some(b"b"), 50_000);
        w.failed(2_000);
        let mut m = Merge::default();
        m.take(&mut w);
        assert_eq!(w.requests, 0);
        assert!(w.latency.is_empty() && w.status.is_empty());
        let s = m.second(1.0);
        assert_eq!(s.requests, 100);
        assert_eq!(s.by_replica["a"], 98);
        assert_eq!(s.by_replica["b"], 1);
        assert_eq!((s.unauthorized, s.failed, s.transport_errors), (1, 1, 1));
        let p50 = s.p50_ms.unwrap();
        assert!((1.0..1.2).contains(&p50), "{p50}");
        let p99 = s.p99_ms.unwrap();
        assert!((1.9..2.1).contains(&p99), "{p99}");
        let mut total = Merge::default();
        total.add(&m);
        total.add(&m);
        assert_eq!(total.requests, 200);
        assert!((49.0..51.0).contains(&total.max_ms().unwrap()));
        assert_eq!(Merge::default().quantile_ms(0.5), None);
    }
}
