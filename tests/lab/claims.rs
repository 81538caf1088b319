//! Every claim checked, over HTTP: tokens signed with the lab's own key but wrong in one claim
//! are refused on every replica, each with its real reason; the leeway is the stated one.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use forgetful::api::Mode;
use forgetful::lab::tokens::{AUDIENCE, ISSUER, Issuer, LEEWAY_SECS};
use serde_json::{Value, json};

use crate::common::{self, Cred, TestLab};

/// Signs `claims` with the lab's own key (from the seed in its data dir): a token the lab
/// could have issued, but with whatever claims a test wants.
pub fn sign_as_lab(lab: &TestLab, claims: &Value) -> String {
    let hex = std::fs::read_to_string(lab.dir.path().join("issuer-ed25519.seed")).unwrap();
    let seed: [u8; 32] = hex::decode(hex.trim()).unwrap().try_into().unwrap();
    let der = ed25519_dalek::pkcs8::EncodePrivateKey::to_pkcs8_der(
        &ed25519_dalek::SigningKey::from_bytes(&seed),
    )
    .unwrap();
    let mut head = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    head.kid = Some(Issuer::from_seed(seed).unwrap().kid());
    jsonwebtoken::encode(
        &head,
        claims,
        &jsonwebtoken::EncodingKey::from_ed_der(der.as_bytes()),
    )
    .unwrap()
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Claims as the lab issues them, with `extra` laid over (null removes a claim).
pub fn lab_claims(extra: Value) -> Value {
    let now = now();
    let mut c = json!({
        "sub": "alice", "role": "customer", "iat": now, "exp": now + 600,
        "jti": "forged-1", "iss": ISSUER, "aud": AUDIENCE, "badge": "none-00",
    });
    let obj = c.as_object_mut().unwrap();
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            obj.remove(k);
        } else {
            obj.insert(k.clone(), v.clone());
        }
    }
    c
}

#[tokio::test]
async fn each_claim_is_refused_for_its_own_reason_on_every_replica() {
    let lab = common::start(Mode::Token).await;
    let (_, cred) = lab.alice().await;
    let Cred::Bearer(t) = &cred else { panic!() };
    let payload: Value =
        serde_json::from_slice(&B64.decode(t.split('.').nth(1).unwrap()).unwrap()).unwrap();
    assert_eq!(payload["aud"], AUDIENCE);
    assert_eq!(payload["iss"], ISSUER);

    let now = now();
    let slack = LEEWAY_SECS;
    for (extra, reason) in [
        (json!({"aud": null}), "no aud claim"),
        (
            json!({"aud": "billing"}),
            "audience is \"billing\", not forgetful-shop",
        ),
        (
            json!({"aud": ["billing", "mail"]}),
            "meant for another service",
        ),
        (json!({"iss": null}), "no iss claim"),
        (
            json!({"iss": "https://evil.example"}),
            "issuer is \"https://evil.example\", not forgetful-lab",
        ),
        (json!({"exp": null}), "no exp claim"),
        (json!({"exp": now - 60}), "token expired"),
        (json!({"nbf": now + 60}), "not valid yet: its nbf is"),
        (json!({"sub": null}), "no sub claim"),
        (json!({"exp": "tomorrow"}), "exp is not a NumericDate"),
    ] {
        let forged = Cred::Bearer(sign_as_lab(&lab, &lab_claims(extra.clone())));
        for (name, a) in lab.on_each("/me", &forged).await {
            assert_eq!(a.status, 401, "{name} accepted {extra}");
            assert!(
                a.reason().contains(reason),
                "{name}, {extra}: {:?} lacks {reason:?}",
                a.reason()
            );
        }
    }
    // Inside the leeway both ways, a token is still good; the same token signed correctly
    // with every claim right is accepted everywhere.
    for extra in [
        json!({}),
        json!({"exp": now - slack + 2}),
        json!({"nbf": now + slack - 2}),
        json!({"aud": [AUDIENCE, "billing"]}),
    ] {
        let good = Cred::Bearer(sign_as_lab(&lab, &lab_claims(extra.clone())));
        for (name, a) in lab.on_each("/me", &good).await {
            assert_eq!(a.status, 200, "{name} refused {extra}: {}", a.reason());
        }
    }
    lab.shutdown().await;
}
