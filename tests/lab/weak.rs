//! Weak verifiers: each makes every replica accept one kind of forged token, the way a real
//! library once did; turned off, the same token is refused with its real reason.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use forgetful::api::{Event, Mode, Weakness};
use forgetful::store::StoreSpec;
use serde_json::{Value, json};

use crate::claims::{lab_claims, now, sign_as_lab};
use crate::common::{self, Cred, TestLab};

fn b64(v: &Value) -> String {
    B64.encode(serde_json::to_vec(v).unwrap())
}

fn hs256(kid: &str, claims: &Value, secret: &[u8]) -> String {
    let mut head = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    head.kid = Some(kid.to_string());
    jsonwebtoken::encode(
        &head,
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .unwrap()
}

async fn set(lab: &TestLab, w: Weakness, enabled: bool) -> common::Answer {
    lab.admin("/weakness", json!({"name": w, "enabled": enabled}))
        .await
}

/// Every replica answers `/orders/all` with `status`, and a reason containing `why`.
async fn everywhere(lab: &TestLab, token: &str, status: u16, why: &str) {
    let cred = Cred::Bearer(token.to_string());
    for (name, a) in lab.on_each("/orders/all", &cred).await {
        assert_eq!(a.status, status, "{name}: {:?}", a.body);
        if status == 200 {
            assert_eq!(a.body["user"], "alice");
            assert_eq!(a.body["role"], "admin", "the forged role");
        } else {
            assert!(
                a.reason().contains(why),
                "{name}: {:?} lacks {why:?}",
                a.reason()
            );
        }
    }
}

#[tokio::test]
async fn each_weakness_lets_its_forgery_in_and_mending_it_refuses_it_again() {
    let lab = common::start(Mode::Token).await;
    let jwks = lab.json("/.well-known/jwks.json").await;
    let kid = jwks["keys"][0]["kid"].as_str().unwrap().to_string();
    let x = jwks["keys"][0]["x"].as_str().unwrap().to_string();
    // alice, promoted to admin by whoever wrote the token.
    let admin = lab_claims(json!({"role": "admin"}));
    let unsigned = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&admin)
    );
    let cases: Vec<(Weakness, Vec<String>, &str)> = vec![
        (
            Weakness::AlgNone,
            vec![unsigned.clone()],
            "alg none is not accepted",
        ),
        (
            Weakness::Hs256PublicKey,
            vec![
                hs256(&kid, &admin, x.as_bytes()),
                hs256(&kid, &admin, &B64.decode(&x).unwrap()),
                // What the app's inspector makes with `h`.
                forgetful::tui::token::forge_hs256_public_key(&unsigned, &jwks.to_string())
                    .unwrap(),
            ],
            "alg HS256 is not accepted",
        ),
        (
            Weakness::KidPath,
            vec![
                hs256("../../dev/null", &admin, b""),
                hs256("../../../../../dev/null", &admin, b""),
                hs256("/dev/null", &admin, b""),
                // What the app's inspector makes with `k`.
                forgetful::tui::token::forge_kid_path(&unsigned).unwrap(),
            ],
            "alg HS256 is not accepted",
        ),
        (
            Weakness::NoExp,
            vec![sign_as_lab(
                &lab,
                &lab_claims(json!({"role": "admin", "exp": null})),
            )],
            "no exp claim",
        ),
        (
            Weakness::NoExp,
            vec![sign_as_lab(
                &lab,
                &lab_claims(json!({"role": "admin", "exp": now() - 3600})),
            )],
            "token expired",
        ),
    ];
    for (w, tokens, real_reason) in &cases {
        for t in tokens {
            everywhere(&lab, t, 401, real_reason).await;
        }
        let a = set(&lab, *w, true).await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        assert_eq!(a.body["weaknesses"], json!([w]));
        for t in tokens {
            everywhere(&lab, t, 200, "").await;
        }
        let a = set(&lab, *w, false).await;
        assert_eq!(a.body["weaknesses"], json!([]));
        for t in tokens {
            everywhere(&lab, t, 401, real_reason).await;
        }
    }
    // The journal tells a forged entry from a real one, and has each change.
    let j = lab
        .journal_when("ten weakness changes", |j| {
            j.iter()
                .filter(|e| e.event == Some(Event::WeaknessChanged))
                .count()
                == 10
        })
        .await;
    for w in Weakness::ALL {
        let why = format!("accepted only because weakness {w} is on");
        assert!(
            j.iter().any(|e| e.path == "/orders/all"
                && e.status == 200
                && e.reason.as_deref() == Some(why.as_str())),
            "no entry says {why:?}"
        );
        let on = format!("weakness {w} on: ");
        assert!(
            j.iter()
                .any(|e| e.reason.as_deref().is_some_and(|r| r.starts_with(&on)))
        );
    }
    lab.shutdown().await;
}

/// A weakness opens its own hole and no other: the claims are still checked, a tampered
/// EdDSA token still fails, and each weak path refuses what it cannot verify, saying why.
#[tokio::test]
async fn a_weakness_opens_only_its_own_hole() {
    let lab = common::start(Mode::Token).await;
    let jwks = lab.json("/.well-known/jwks.json").await;
    let kid = jwks["keys"][0]["kid"].as_str().unwrap().to_string();
    let x = jwks["keys"][0]["x"].as_str().unwrap().to_string();
    let admin = lab_claims(json!({"role": "admin"}));
    for w in Weakness::ALL {
        set(&lab, *w, true).await;
    }
    let state = lab.json("/admin/state").await;
    assert_eq!(
        state["weaknesses"],
        json!(["alg-none", "hs256-public-key", "kid-path", "no-exp"])
    );
    // alg none, but for another audience: the claims are still read.
    let wrong_aud = lab_claims(json!({"role": "admin", "aud": "billing"}));
    let t = format!("{}.{}.", b64(&json!({"alg": "none"})), b64(&wrong_aud));
    everywhere(&lab, &t, 401, "audience is \"billing\"").await;
    // HS256 with another secret: a bad signature under either weak path.
    everywhere(
        &lab,
        &hs256(&kid, &admin, b"guess"),
        401,
        "signature does not verify",
    )
    .await;
    everywhere(
        &lab,
        &hs256("../../dev/null", &admin, b"guess"),
        401,
        "signature does not verify",
    )
    .await;
    // kid-path reads nothing from disk: any other file holds no key.
    set(&lab, Weakness::Hs256PublicKey, false).await;
    everywhere(
        &lab,
        &hs256("../../etc/passwd", &admin, b""),
        401,
        "names the file /etc/passwd, which holds no HMAC key",
    )
    .await;
    everywhere(
        &lab,
        &hs256(&kid, &admin, x.as_bytes()),
        401,
        &format!("names the file /srv/keys/{kid}"),
    )
    .await;
    // A real token edited keeps failing its EdDSA signature whatever is on.
    let (_, cred) = lab.alice().await;
    let Cred::Bearer(real) = cred else { panic!() };
    let p: Vec<&str> = real.split('.').collect();
    let tampered = format!("{}.{}.{}", p[0], b64(&admin), p[2]);
    everywhere(&lab, &tampered, 401, "signature does not verify").await;
    lab.shutdown().await;
}

#[tokio::test]
async fn a_rooms_lab_refuses_weaknesses_unless_allowed() {
    let lab = common::start_configured(Mode::Token, StoreSpec::Memory, None, |cfg| {
        cfg.allow_weaknesses = false
    })
    .await;
    let a = set(&lab, Weakness::AlgNone, true).await;
    assert_eq!(a.status, 403, "{:?}", a.body);
    assert_eq!(a.body["error"], "forbidden");
    assert!(a.reason().contains("--allow-weaknesses"), "{}", a.reason());
    // Turning one off is always fine (there is nothing on).
    assert_eq!(set(&lab, Weakness::AlgNone, false).await.status, 200);
    let state = lab.json("/admin/state").await;
    assert_eq!(state["weaknesses_allowed"], false);
    assert_eq!(state["weaknesses"], json!([]));
    for (body, why) in [
        (
            json!({"name": "sql-injection", "enabled": true}),
            "unknown weakness \"sql-injection\"",
        ),
        (json!({"name": "alg-none"}), "missing field `enabled`"),
        (
            json!({"name": "alg-none", "enabled": "yes"}),
            "malformed JSON",
        ),
    ] {
        let a = lab.admin("/weakness", body.clone()).await;
        assert_eq!(a.status, 400, "{body}: {:?}", a.body);
        assert!(a.reason().contains(why), "{body}: {}", a.reason());
    }
    // What a client sends is cut short in the reason, however long.
    let long = "x".repeat(15_000);
    for (path, body) in [
        ("/weakness", json!({"name": long, "enabled": true})),
        ("/csrf", json!({"enabled": long})),
        ("/users/alice/role", json!({"role": long})),
    ] {
        let a = lab.admin(path, body).await;
        assert_eq!(a.status, 400, "{path}");
        assert!(a.reason().len() < 300, "{path}: {} bytes", a.reason().len());
    }
    let j = lab.journal_when("the journal", |_| true).await;
    assert!(!j.iter().any(|e| e.event == Some(Event::WeaknessChanged)));
    lab.shutdown().await;

    // A learner's own lab allows them by default.
    let lab = common::start(Mode::Token).await;
    assert_eq!(lab.json("/admin/state").await["weaknesses_allowed"], true);
    lab.shutdown().await;
}
