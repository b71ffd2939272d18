use super::*;
use proptest::prelude::*;
use serde_json::json;

fn answer() -> CachedAnswer {
    CachedAnswer {
        answer: "It is 1.".into(),
        eval_count: Some(4),
        prompt_eval_count: Some(100),
        eval_duration_ns: Some(1_000_000),
        confidence: Some(0.93),
        logprobs: Some(json!([{"token": "1", "logprob": -0.07}])),
    }
}

const KEY: &str = "59ee14ea9e9c037cdf2393aed7c0ff9a4a34715336d78af6540ae7042af5e0f4";

fn open(dir: &Path) -> AnswerCache {
    AnswerCache::open(dir).unwrap().0
}

#[test]
fn round_trip_overwrite_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path());
    assert_eq!(cache.get(KEY), None);
    cache.put(KEY, &answer()).unwrap();
    cache.flush();
    assert_eq!(cache.get(KEY), Some(answer()));
    let mut newer = answer();
    newer.answer = "1".into();
    newer.logprobs = None;
    cache.put(KEY, &newer).unwrap();
    cache.flush();
    assert_eq!(cache.get(KEY), Some(newer.clone()));
    drop(cache);
    let again = open(dir.path());
    assert_eq!(again.get(KEY), Some(newer));
    assert_eq!(again.stats().unwrap().answers, 1);
    assert!(dir.path().join(DB_FILE).is_file());
}

#[test]
fn dropping_the_last_clone_commits_what_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path());
    cache.put(KEY, &answer()).unwrap();
    drop(cache);
    // The writer thread commits on its way out; give it a moment, then read from a new handle.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        if open(dir.path()).get(KEY).is_some() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never committed");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn malformed_keys_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path());
    for bad in [
        "",
        "a",
        "../etc/passwd",
        &KEY.to_uppercase(),
        "ab/cd",
        "zz",
        &KEY[..62],
    ] {
        assert_eq!(cache.get(bad), None, "{bad:?}");
        let err = cache.put(bad, &answer()).unwrap_err();
        assert!(matches!(err, SessionError::BadCacheKey { .. }), "{bad:?}");
    }
}

#[test]
fn a_file_that_is_not_a_database_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(DB_FILE), vec![b'x'; 4096]).unwrap();
    let err = AnswerCache::open(dir.path()).unwrap_err().to_string();
    assert!(err.contains(DB_FILE), "{err}");
    assert!(err.contains("delete"), "{err}");
}

#[test]
fn a_second_process_shares_the_cache() {
    // Two handles on one file stand in for two processes: SQLite's WAL lets both read and write.
    let dir = tempfile::tempdir().unwrap();
    let a = open(dir.path());
    let b = open(dir.path());
    a.put(KEY, &answer()).unwrap();
    a.flush();
    assert_eq!(b.get(KEY), Some(answer()));
}

#[test]
fn concurrent_writers_and_readers_see_whole_answers() {
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path());
    let long = CachedAnswer {
        answer: "x".repeat(200_000),
        ..answer()
    };
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..10 {
                    cache.put(KEY, &long).unwrap();
                }
            });
        }
        s.spawn(|| {
            for _ in 0..50 {
                if let Some(a) = cache.get(KEY) {
                    assert_eq!(a, long);
                }
            }
        });
    });
    cache.flush();
    assert_eq!(cache.get(KEY), Some(long));
}

#[test]
fn the_old_per_file_cache_is_converted_once() {
    let dir = tempfile::tempdir().unwrap();
    let shard = dir.path().join(&KEY[..2]);
    std::fs::create_dir_all(&shard).unwrap();
    std::fs::write(
        shard.join(format!("{KEY}.json")),
        serde_json::to_vec(&answer()).unwrap(),
    )
    .unwrap();
    let other = "ab".repeat(32);
    let torn = dir.path().join("ab");
    std::fs::create_dir_all(&torn).unwrap();
    std::fs::write(torn.join(format!("{other}.json")), b"{\"answer\": \"x").unwrap();
    std::fs::write(torn.join("not-a-key.json"), b"{}").unwrap();

    let (cache, note) = AnswerCache::open(dir.path()).unwrap();
    let note = note.expect("a note about the conversion");
    assert!(note.contains("1 answers imported"), "{note}");
    assert!(note.contains("2 unreadable entries skipped"), "{note}");
    assert_eq!(cache.get(KEY), Some(answer()));
    assert_eq!(cache.get(&other), None);
    assert!(!shard.exists() && !torn.exists(), "old files left behind");
    drop(cache);
    let (again, note) = AnswerCache::open(dir.path()).unwrap();
    assert_eq!(note, None, "converted twice");
    assert_eq!(again.get(KEY), Some(answer()));
}

#[test]
fn prune_deletes_by_age_and_all() {
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path());
    cache.put(KEY, &answer()).unwrap();
    cache.put(&"cd".repeat(32), &answer()).unwrap();
    assert_eq!(
        cache
            .prune(Some(std::time::Duration::from_secs(3600)))
            .unwrap(),
        0
    );
    assert_eq!(cache.stats().unwrap().answers, 2);
    assert_eq!(cache.prune(None).unwrap(), 2);
    let stats = cache.stats().unwrap();
    assert_eq!((stats.answers, stats.oldest), (0, None));
    assert_eq!(cache.get(KEY), None);
}

fn any_answer() -> impl Strategy<Value = CachedAnswer> {
    let finite = prop_oneof![Just(0.0), Just(1.0), -1e300f64..1e300f64, 0.0f64..1.0];
    (
        ".*",
        proptest::option::of(any::<u64>()),
        proptest::option::of(any::<u64>()),
        proptest::option::of(any::<u64>()),
        proptest::option::of(finite),
        proptest::option::of(proptest::collection::vec((".*", any::<i64>()), 0..4)),
    )
        .prop_map(
            |(answer, eval, prompt, dur, confidence, logprobs)| CachedAnswer {
                answer,
                eval_count: eval,
                prompt_eval_count: prompt,
                eval_duration_ns: dur,
                confidence,
                logprobs: logprobs.map(|pairs| {
                    serde_json::Value::Array(
                        pairs
                            .into_iter()
                            .map(|(token, n)| json!({"token": token, "n": n}))
                            .collect(),
                    )
                }),
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Whatever is stored under any key comes back exactly, and no other key sees it.
    #[test]
    fn returns_exactly_what_was_stored(
        entries in proptest::collection::vec(("[0-9a-f]{64}", any_answer()), 1..8),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let cache = open(dir.path());
        let mut expected = std::collections::HashMap::new();
        for (key, a) in &entries {
            cache.put(key, a).unwrap();
            expected.insert(key.clone(), a.clone());
        }
        cache.flush();
        for (key, a) in &expected {
            prop_assert_eq!(cache.get(key), Some(a.clone()));
        }
        let absent = "f".repeat(63) + "e";
        if !expected.contains_key(&absent) {
            prop_assert_eq!(cache.get(&absent), None);
        }
    }
}

#[test]
fn a_batch_lookup_answers_each_key_in_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path());
    let other = "2c08d13cc4e598a7ceef292963271ae6d752c269470a0dc7765a5d5c9629f4f8";
    let missing = "00".repeat(32);
    let mut second = answer();
    second.answer = "7".into();
    cache.put(KEY, &answer()).unwrap();
    cache.put(other, &second).unwrap();
    cache.flush();
    assert_eq!(cache.get_many(&[]), Vec::<Option<CachedAnswer>>::new());
    assert_eq!(
        cache.get_many(&[other, "not a digest", &missing, KEY, other]),
        vec![
            Some(second.clone()),
            None,
            None,
            Some(answer()),
            Some(second)
        ]
    );
    assert_eq!(cache.get_many(&["not a digest"]), vec![None]);
}
