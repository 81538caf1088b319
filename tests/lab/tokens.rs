use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use forgetful::api::Mode;
use forgetful::lab::tokens::Issuer;
use serde_json::{Value, json};

use crate::common::{self, Cred, TestLab};

fn parts(token: &str) -> (Value, Value, String) {
    let p: Vec<&str> = token.split('.').collect();
    let h = serde_json::from_slice(&B64.decode(p[0]).unwrap()).unwrap();
    let c = serde_json::from_slice(&B64.decode(p[1]).unwrap()).unwrap();
    (h, c, p[2].to_string())
}

fn encode(v: &Value) -> String {
    B64.encode(serde_json::to_vec(v).unwrap())
}

/// The lab's own issuer, from the key seed it keeps in its data dir.
fn lab_issuer(lab: &TestLab) -> Issuer {
    let hex = std::fs::read_to_string(lab.dir.path().join("issuer-ed25519.seed")).unwrap();
    let seed: [u8; 32] = hex::decode(hex.trim()).unwrap().try_into().unwrap();
    Issuer::from_seed(seed).unwrap()
}

async fn refused_everywhere(lab: &TestLab, token: &str, reason_has: &str) {
    let cred = Cred::Bearer(token.to_string());
    for (name, a) in lab.on_each("/orders", &cred).await {
        assert_eq!(a.status, 401, "{name} accepted a forged token");
        assert!(
            a.reason().contains(reason_has),
            "{name}: reason {:?} lacks {reason_has:?}",
            a.reason()
        );
    }
}

#[tokio::test]
async fn token_mode_works_on_every_replica_and_survives_restarts() {
    let lab = common::start(Mode::Token).await;
    let (login, cred) = lab.alice().await;
    let Cred::Bearer(token) = &cred else { panic!() };
    let (h, c, _) = parts(token);
    assert_eq!(h["alg"], "EdDSA");
    assert!(h["kid"].is_string());
    for claim in ["sub", "role", "iat", "exp", "jti", "iss", "badge"] {
        assert!(!c[claim].is_null(), "claim {claim} missing: {c}");
    }
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 900);
    assert!(login.sid.is_none(), "token mode sets no cookie");
    for r in lab.replicas() {
        lab.restart(&r).await;
    }
    for (name, a) in lab.on_each("/me", &cred).await {
        assert_eq!(a.status, 200, "{name}: {:?}", a.body);
        assert_eq!(a.body["user"], "alice");
    }
    // Nothing per user on any replica.
    let state: Value = lab.json("/admin/state").await;
    for r in state["replicas"].as_array().unwrap() {
        assert_eq!(r["local_sessions"], 0);
    }
    // Each replica fetched the JWKS over HTTP at its start, and again after its restart.
    let journal: Vec<Value> = serde_json::from_value(lab.json("/admin/journal").await).unwrap();
    let fetches = journal
        .iter()
        .filter(|e| e["event"] == "jwks-fetched")
        .count();
    assert_eq!(fetches, 6, "3 at start + 3 after restarts");
    lab.shutdown().await;
}

#[tokio::test]
async fn jwks_endpoint_publishes_the_public_key() {
    let lab = common::start(Mode::Token).await;
    let jwks: Value = lab.json("/.well-known/jwks.json").await;
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    assert!(key.get("d").is_none(), "no private part");
    lab.shutdown().await;
}

#[tokio::test]
async fn every_forged_token_is_refused() {
    let lab = common::start(Mode::Token).await;
    let (_, cred) = lab.alice().await;
    let Cred::Bearer(token) = &cred else { panic!() };
    let (h, c, sig) = parts(token);

    // Tampered payload, original signature.
    let mut edited = c.clone();
    edited["role"] = json!("admin");
    let tampered = format!("{}.{}.{sig}", encode(&h), encode(&edited));
    refused_everywhere(&lab, &tampered, "signature does not verify").await;

    // alg none, with and without a signature part.
    let none_head = json!({"alg": "none", "typ": "JWT"});
    refused_everywhere(
        &lab,
        &format!("{}.{}.", encode(&none_head), encode(&c)),
        "alg none",
    )
    .await;
    let none_head = json!({"alg": "None", "kid": h["kid"]});
    refused_everywhere(
        &lab,
        &format!("{}.{}.x", encode(&none_head), encode(&c)),
        "alg none",
    )
    .await;

    // HS256 signed with the public key as the secret (the classic confusion attack), and with any key.
    let jwks: Value = lab.json("/.well-known/jwks.json").await;
    let x = jwks["keys"][0]["x"].as_str().unwrap().to_string();
    for secret in [
        x.as_bytes().to_vec(),
        B64.decode(&x).unwrap(),
        b"secret".to_vec(),
    ] {
        let mut head = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        head.kid = h["kid"].as_str().map(str::to_string);
        let hs = jsonwebtoken::encode(&head, &c, &jsonwebtoken::EncodingKey::from_secret(&secret))
            .unwrap();
        refused_everywhere(&lab, &hs, "alg HS256 is not accepted").await;
    }

    // Expired: signed by the real key, but its time is up.
    let issuer = lab_issuer(&lab);
    let (old, _) = issuer
        .issue("alice", "customer", forgetful_now() - 3600)
        .unwrap();
    refused_everywhere(&lab, &old, "token expired").await;

    // Wrong key claiming the right kid.
    let stranger = Issuer::from_seed([42u8; 32]).unwrap();
    let (t, _) = stranger
        .issue("alice", "customer", forgetful_now())
        .unwrap();
    let (_, sc, ssig) = parts(&t);
    let wrong_key = format!("{}.{}.{ssig}", encode(&h), encode(&sc));
    refused_everywhere(&lab, &wrong_key, "signature does not verify").await;

    // Unknown kid.
    refused_everywhere(&lab, &t, "unknown kid").await;

    // No kid at all.
    let no_kid = format!("{}.{}.{sig}", encode(&json!({"alg": "EdDSA"})), encode(&c));
    refused_everywhere(&lab, &no_kid, "no kid").await;

    // A correctly signed token whose header demands an extension we do not implement.
    let mut crit = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    crit.kid = Some(issuer.kid());
    crit.crit = Some(vec!["x-unknown".into()]);
    let hex = std::fs::read_to_string(lab.dir.path().join("issuer-ed25519.seed")).unwrap();
    let seed: [u8; 32] = hex::decode(hex.trim()).unwrap().try_into().unwrap();
    let der = ed25519_dalek::pkcs8::EncodePrivateKey::to_pkcs8_der(
        &ed25519_dalek::SigningKey::from_bytes(&seed),
    )
    .unwrap();
    let crit_token = jsonwebtoken::encode(
        &crit,
        &c,
        &jsonwebtoken::EncodingKey::from_ed_der(der.as_bytes()),
    )
    .unwrap();
    refused_everywhere(&lab, &crit_token, "critical extensions").await;

    // Garbage of several shapes.
    // Garbage of several shapes, each refused for what is actually wrong with it.
    for (g, why) in [
        ("garbage", "it has 1 part(s)"),
        ("a.b", "it has 2 part(s)"),
        ("....", "it has 5 part(s)"),
        ("YWJj.b.c", "header is not a JSON object"),
        ("e30.b.c", "names no alg"),
        ("eyJ.eyJ.sig", "header is not"),
        ("%%.b.c", "header is not base64url"),
        (&"A".repeat(5000), "it has 1 part(s)"),
    ] {
        refused_everywhere(&lab, g, why).await;
    }

    // The real one still works.
    for (name, a) in lab.on_each("/me", &cred).await {
        assert_eq!(a.status, 200, "{name}");
    }
    lab.shutdown().await;
}

fn forgetful_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn token_logout_without_denylist_does_not_forget_with_it_does() {
    let lab = common::start(Mode::Token).await;
    let (_, cred) = lab.alice().await;
    let a = lab.post("/logout", json!({}), Some(&cred)).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["logged_out"], false);
    assert!(
        a.body["note"]
            .as_str()
            .unwrap()
            .contains("stays valid until it expires")
    );
    for (name, a) in lab.on_each("/me", &cred).await {
        assert_eq!(a.status, 200, "without a denylist {name} still accepts it");
    }
    lab.admin("/denylist", json!({"enabled": true})).await;
    let a = lab.post("/logout", json!({}), Some(&cred)).await;
    assert_eq!(a.body["logged_out"], true);
    for (name, a) in lab.on_each("/me", &cred).await {
        assert_eq!(a.status, 401, "{name}");
        assert!(a.reason().contains("token revoked"), "{}", a.reason());
    }
    lab.shutdown().await;
}

#[tokio::test]
async fn revoke_stops_tokens_only_with_the_denylist() {
    let lab = common::start(Mode::Token).await;
    let (_, alice) = lab.alice().await;
    let (_, bob) = lab.login("bob", "builder").await;
    let r = lab.admin("/revoke", json!({"user": "alice"})).await;
    assert_eq!(r.body["tokens_refused"], false);
    for (name, a) in lab.on_each("/me", &alice).await {
        assert_eq!(
            a.status, 200,
            "denylist off: {name} keeps trusting the token"
        );
    }
    lab.admin("/denylist", json!({"enabled": true})).await;
    lab.admin("/revoke", json!({"user": "alice"})).await;
    for (name, a) in lab.on_each("/me", &alice).await {
        assert_eq!(a.status, 401, "{name}");
        assert!(a.reason().contains("token revoked"));
    }
    for (name, a) in lab.on_each("/me", &bob).await {
        assert_eq!(a.status, 200, "bob is untouched on {name}");
    }
    lab.shutdown().await;
}

#[tokio::test]
async fn badge_is_recognised_without_being_stored() {
    let lab = common::start(Mode::Token).await;
    let (_, cred) = lab.alice().await;
    let Cred::Bearer(token) = &cred else { panic!() };
    let (_, c, _) = parts(token);
    let badge = c["badge"].as_str().unwrap();
    let v = lab.admin("/badge", json!({"badge": badge})).await;
    assert_eq!(v.body["valid"], true, "{:?}", v.body);
    assert_eq!(v.body["jti"], c["jti"]);
    let v = lab.admin("/badge", json!({"badge": "not-a-badge"})).await;
    assert_eq!(v.body["valid"], false);
    lab.shutdown().await;
}

#[tokio::test]
async fn a_login_right_after_a_revoke_is_not_born_revoked() {
    let lab = common::start(Mode::Token).await;
    lab.admin("/denylist", json!({"enabled": true})).await;
    for _ in 0..3 {
        let (_, old) = lab.login("bob", "builder").await;
        lab.admin("/revoke", json!({"user": "bob"})).await;
        let (_, fresh) = lab.login("bob", "builder").await;
        assert_eq!(lab.get("/me", Some(&old)).await.status, 401);
        let a = lab.get("/me", Some(&fresh)).await;
        assert_eq!(a.status, 200, "the new login must work: {:?}", a.body);
    }
    lab.shutdown().await;
}

/// A token naming a key the replica has not seen makes it refetch the issuer's JWKS (from
/// the issuer's own URL), at most once a second, however many such tokens arrive; each
/// fetch is in the journal. A 300 KB kid costs a short reason, not 300 KB.
#[tokio::test]
async fn an_unknown_kid_refetches_the_jwks_at_most_once_a_second() {
    let lab = common::start(Mode::Token).await;
    let client = forgetful::client::LabClient::new(&lab.url, "learner");
    let fetches = |entries: &[forgetful::api::JournalEntry]| {
        entries
            .iter()
            .filter(|e| {
                e.event == Some(forgetful::api::Event::JwksFetched)
                    && e.replica.as_deref() == Some("a")
            })
            .count()
    };
    let before = fetches(&client.journal(0).await.unwrap());
    let stranger = Issuer::from_seed([7u8; 32]).unwrap();
    let (t, _) = stranger
        .issue("alice", "customer", forgetful_now())
        .unwrap();
    let url_a = lab.replica_url("a");
    for _ in 0..20 {
        let a = lab
            .get_at(&url_a, "/orders", Some(&Cred::Bearer(t.clone())))
            .await;
        assert_eq!(a.status, 401);
        assert!(a.reason().contains("unknown kid"), "{}", a.reason());
    }
    let after = fetches(&client.journal(0).await.unwrap());
    assert!(
        after - before <= 1,
        "20 unknown-kid tokens in well under a second caused {} fetches",
        after - before
    );
    // Once the last fetch is a second old, the next unknown kid fetches again.
    common::eventually(
        "an unknown kid to make replica a refetch the JWKS",
        async || {
            lab.get_at(&url_a, "/orders", Some(&Cred::Bearer(t.clone())))
                .await;
            let now = fetches(&client.journal(0).await.unwrap());
            if now > after {
                Ok(())
            } else {
                Err(format!("{now} fetches"))
            }
        },
    )
    .await;

    // A huge kid is echoed as a short prefix with its length. (Its head stays under the
    // lab's 128 KiB limit on a request head; a bigger one is refused with a 431 unread.)
    let (h, c, sig) = parts(&t);
    let mut h = h;
    h["kid"] = json!("k".repeat(60_000));
    let forged = format!("{}.{}.{sig}", encode(&h), encode(&c));
    let a = lab.get("/orders", Some(&Cred::Bearer(forged))).await;
    assert_eq!(a.status, 401);
    assert!(
        a.reason().len() < 200,
        "reason of {} bytes",
        a.reason().len()
    );
    assert!(a.reason().contains("60000 bytes"), "{}", a.reason());
    let last = client.journal(0).await.unwrap().pop().unwrap();
    assert!(serde_json::to_string(&last).unwrap().len() < 2000);
    lab.shutdown().await;
}
