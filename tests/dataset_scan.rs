//! Dataset scanning against real folders: layouts, overrides, odd entries, manifests,
//! selection determinism, speed, and the bundled sample datasets.

// A failed unwrap here is a failed test (or bench) with its message: allowed outside src/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use squint::dataset::{Dataset, DatasetError, Layout, detect_layout, scan, select};

/// Creates empty files (and their folders) under `root`.
fn touch(root: &Path, rels: &[&str]) {
    for rel in rels {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, b"").expect("write");
    }
}

fn rels(ds: &Dataset) -> Vec<(&str, &str)> {
    ds.items.iter().map(|i| (&*i.rel, &*i.truth)).collect()
}

fn counts(ds: &Dataset) -> Vec<(String, usize)> {
    ds.class_counts()
}

fn sample_data(set: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-data")
        .join(set)
}

#[test]
fn each_layout_is_detected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    touch(root, &["folders/cat/a.jpg", "folders/dog/b.png"]);
    touch(
        root,
        &["prefix/cat_1.jpg", "prefix/dog_2.png", "prefix/cat_3.webp"],
    );
    touch(root, &["csvdir/labels.csv", "csvdir/images/a.png"]);
    touch(root, &["alone.jsonl", "notes.txt"]);
    touch(root, &["flat/a.jpg", "flat/b.jpg"]);
    touch(root, &["unknown/a.jpg", "unknown/b.csv", "unknown/c.jsonl"]);
    let cases = [
        ("folders", Some(Layout::Folders)),
        ("prefix", Some(Layout::Prefix)),
        ("csvdir", Some(Layout::Manifest)),
        ("csvdir/labels.csv", Some(Layout::Manifest)),
        ("alone.jsonl", Some(Layout::Manifest)),
        ("flat", Some(Layout::Unlabeled)),
        ("unknown", None),
        ("notes.txt", None),
    ];
    for (rel, want) in cases {
        assert_eq!(detect_layout(&root.join(rel)).ok(), want, "{rel}");
    }
    let err = detect_layout(&root.join("unknown"))
        .expect_err("unknown")
        .to_string();
    assert!(err.contains("unknown") && err.contains("--layout"), "{err}");
    assert!(
        err.contains("1 images directly inside (0 named like")
            && err.contains("2 manifests (pass one of them as the path)"),
        "{err}"
    );
    let err = scan(&root.join("does-not-exist"), None).expect_err("missing");
    assert!(matches!(err, DatasetError::NotFound { .. }), "{err}");
}

#[test]
fn folders_nested_with_root_images_and_non_images() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    touch(
        root,
        &[
            "cat/indoor/x.jpg",
            "cat/y.JPG",
            "dog/z.png",
            "stray.png",
            "dog/readme.md",
            "cat/t.json",
        ],
    );
    let ds = scan(root, None).expect("scan");
    assert_eq!(ds.layout, Layout::Folders);
    assert_eq!(ds.root, root);
    assert_eq!(
        rels(&ds),
        [
            ("cat/indoor/x.jpg", "cat"),
            ("cat/y.JPG", "cat"),
            ("dog/z.png", "dog")
        ]
    );
    assert_eq!(ds.path(&ds.items[0]), root.join("cat/indoor/x.jpg"));
    assert_eq!(ds.classes(), ["cat", "dog"]);
    assert_eq!(ds.skipped.no_label, 1);
    assert_eq!(ds.skipped.not_image, 2);
}

#[test]
fn layout_overrides() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    touch(root, &["a/cat_1.jpg", "a/dog_2.jpg", "b/cat_3.jpg"]);
    let detected = scan(root, None).expect("folders");
    assert_eq!(
        counts(&detected),
        [("a".to_owned(), 2), ("b".to_owned(), 1)]
    );
    let forced = scan(root, Some(Layout::Prefix)).expect("prefix");
    assert_eq!(forced.layout, Layout::Prefix);
    assert_eq!(
        counts(&forced),
        [("cat".to_owned(), 2), ("dog".to_owned(), 1)]
    );
    let err = scan(root, Some(Layout::Manifest))
        .expect_err("no manifest")
        .to_string();
    assert!(err.contains("no .csv or .jsonl"), "{err}");
}

#[test]
fn prefix_names_without_underscore_have_no_label() {
    let dir = tempfile::tempdir().expect("tempdir");
    touch(
        dir.path(),
        &[
            "7_img_117.jpg",
            "Rook_00000051.jpg",
            "nolabel.jpg",
            "7_b.png",
        ],
    );
    let ds = scan(dir.path(), None).expect("scan");
    assert_eq!(ds.layout, Layout::Prefix);
    assert_eq!(
        rels(&ds),
        [
            ("7_b.png", "7"),
            ("7_img_117.jpg", "7"),
            ("Rook_00000051.jpg", "Rook")
        ]
    );
    assert_eq!(ds.skipped.no_label, 1);
}

#[test]
fn hidden_entries_are_skipped_and_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    touch(
        root,
        &[
            "cat/a.jpg",
            "cat/.b.jpg",
            "dog/c.jpg",
            ".cache/cat/d.jpg",
            ".cache/e.jpg",
        ],
    );
    touch(root, &["dog/.DS_Store"]);
    let ds = scan(root, None).expect("scan");
    assert_eq!(rels(&ds), [("cat/a.jpg", "cat"), ("dog/c.jpg", "dog")]);
    assert_eq!(ds.skipped.hidden, 3, "a hidden folder counts once");
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_broken_links_are_counted() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    touch(root, &["cat/a.jpg", "dog/b.jpg"]);
    symlink(root, root.join("cat/loop")).expect("loop link");
    symlink(root.join("nowhere.jpg"), root.join("dog/broken.jpg")).expect("broken link");
    symlink(root.join("dog/b.jpg"), root.join("cat/linked.jpg")).expect("file link");
    let ds = scan(root, None).expect("scan");
    assert_eq!(
        rels(&ds),
        [
            ("cat/a.jpg", "cat"),
            ("cat/linked.jpg", "cat"),
            ("dog/b.jpg", "dog")
        ]
    );
    assert_eq!(ds.skipped.symlink_loops, 1);
    assert_eq!(ds.skipped.unreadable, 1);
    assert!(
        ds.warnings.iter().any(|w| w.contains("loops back")),
        "{:?}",
        ds.warnings
    );
}

#[cfg(unix)]
#[test]
fn non_utf8_names_are_kept_and_counted() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    touch(root, &["cat/a.jpg", "dog/b.jpg"]);
    let odd = root.join("cat").join(OsStr::from_bytes(b"caf\xe9.jpg"));
    fs::write(&odd, b"").expect("write odd name");
    let ds = scan(root, None).expect("scan");
    assert_eq!(ds.items.len(), 3);
    assert_eq!(ds.skipped.non_utf8, 1);
    let item = ds.items.iter().find(|i| ds.path(i) == odd).expect("kept");
    // Kept losslessly: the escaped form decodes back to the exact bytes.
    assert_eq!(&*item.rel, "cat/caf\\xE9.jpg");
    assert_eq!(
        squint::dataset::raw_name::decode(&item.rel),
        b"cat/caf\xe9.jpg"
    );
    assert_eq!(&*item.truth, "cat");
}

#[test]
fn csv_manifest_with_relative_paths_and_a_missing_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    touch(root, &["data/img/1.png", "data/img/2.png", "shared/3.png"]);
    let manifest = root.join("data/labels.csv");
    let text = "path,label,source\nimg/2.png,dog,x\nimg/1.png,cat,y\n../shared/3.png,cat,z\nimg/gone.png,dog,w\n";
    fs::write(&manifest, text).expect("write manifest");
    let ds = scan(&manifest, None).expect("scan");
    assert_eq!(ds.layout, Layout::Manifest);
    assert_eq!(ds.manifest.as_deref(), Some(manifest.as_path()));
    assert_eq!(ds.root, root.join("data"));
    assert_eq!(
        rels(&ds),
        [
            ("../shared/3.png", "cat"),
            ("img/1.png", "cat"),
            ("img/2.png", "dog")
        ]
    );
    assert_eq!(ds.path(&ds.items[1]), root.join("data/img/1.png"));
    assert_eq!(ds.skipped.unreadable, 1);
    assert!(
        ds.warnings[0].contains("line 5: img/gone.png"),
        "{:?}",
        ds.warnings
    );
    // The same folder, detected as a manifest dataset.
    let from_dir = scan(&root.join("data"), None).expect("scan folder");
    assert_eq!(from_dir.items, ds.items);
}

#[test]
fn jsonl_manifest_and_bad_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    touch(root, &["a.png", "sub/b.jpg"]);
    let abs = root.join("a.png");
    let manifest = root.join("m.jsonl");
    let text = format!(
        "{{\"path\": \"sub/b.jpg\", \"label\": 3}}\n\n{}\n",
        serde_json::json!({"path": abs, "label": "1"})
    );
    fs::write(&manifest, text).expect("write");
    let ds = scan(&manifest, None).expect("scan");
    assert_eq!(rels(&ds), [("a.png", "1"), ("sub/b.jpg", "3")]);
    assert_eq!(ds.path(&ds.items[0]), abs);

    let cases = [
        (
            "bad.jsonl",
            "{\"path\": \"a.png\", \"label\": \"x\"}\n{oops\n",
            "line 2",
        ),
        ("bad.csv", "path,label\na.png,x,extra\n", "line 2"),
        ("nohead.csv", "file,class\na.png,x\n", "`path` and `label`"),
    ];
    for (name, text, want) in cases {
        let path = root.join(name);
        fs::write(&path, text).expect("write");
        let err = scan(&path, None).expect_err(name).to_string();
        assert!(err.contains(name) && err.contains(want), "{err}");
    }
}

#[test]
fn selection_is_deterministic_on_a_scanned_dataset() {
    let dir = tempfile::tempdir().expect("tempdir");
    let names: Vec<String> = (0..30)
        .flat_map(|i| [format!("a/{i}.png"), format!("b/{i}.png")])
        .collect();
    touch(
        dir.path(),
        &names.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let ds = scan(dir.path(), None).expect("scan");
    let first = select(&ds.items, Some(8), Some(10), 99);
    let again = select(
        &scan(dir.path(), None).expect("rescan").items,
        Some(8),
        Some(10),
        99,
    );
    assert_eq!(first, again);
    assert_eq!(first.len(), 10);
    assert_ne!(first, select(&ds.items, Some(8), Some(10), 100));
}

#[test]
fn scanning_twenty_thousand_files_is_fast() {
    let dir = tempfile::tempdir().expect("tempdir");
    for class in 0..10 {
        let folder = dir.path().join(format!("class{class}"));
        fs::create_dir(&folder).expect("mkdir");
        for i in 0..2_000 {
            fs::write(folder.join(format!("{i:05}.jpg")), b"").expect("write");
        }
    }
    let start = Instant::now();
    let ds = scan(dir.path(), None).expect("scan");
    let took = start.elapsed();
    assert_eq!(ds.items.len(), 20_000);
    assert_eq!(ds.classes().len(), 10);
    // About 0.1 s on a laptop; generous for a debug build on a busy 2-core CI machine.
    assert!(took.as_secs_f64() < 2.0, "scan took {took:?}");
}

#[test]
fn bundled_sample_datasets() {
    let digits = scan(&sample_data("digits"), None).expect("digits");
    assert_eq!(digits.layout, Layout::Folders);
    let want: Vec<(String, usize)> = (0..10).map(|d| (d.to_string(), 20)).collect();
    assert_eq!(counts(&digits), want);
    assert_eq!(digits.skipped.not_image, 1, "template.toml");

    let chess = scan(&sample_data("chess"), None).expect("chess");
    assert_eq!(chess.layout, Layout::Prefix);
    let want: Vec<(String, usize)> = ["Bishop", "King", "Knight", "Pawn", "Queen", "Rook"]
        .iter()
        .map(|p| ((*p).to_owned(), 14))
        .collect();
    assert_eq!(counts(&chess), want);

    let shapes = scan(&sample_data("shapes"), None).expect("shapes");
    assert_eq!(shapes.layout, Layout::Manifest);
    let want: Vec<(String, usize)> = ["circle", "square", "star", "triangle"]
        .iter()
        .map(|s| ((*s).to_owned(), 10))
        .collect();
    assert_eq!(counts(&shapes), want);
    assert!(shapes.warnings.is_empty(), "{:?}", shapes.warnings);
}

#[test]
fn a_flat_folder_without_labels_is_unlabeled_and_says_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    // Camera names share one prefix: that is no set of classes.
    touch(
        root,
        &["flat/IMG_0001.jpg", "flat/IMG_0002.jpg", "flat/notes.txt"],
    );
    let ds = scan(&root.join("flat"), None).expect("scan");
    assert_eq!(ds.layout, Layout::Unlabeled);
    assert_eq!(
        rels(&ds),
        [("IMG_0001.jpg", ""), ("IMG_0002.jpg", "")],
        "every image, truth unknown"
    );
    assert!(
        ds.classes().is_empty(),
        "no classes: the template's labels are"
    );
    assert!(
        ds.warnings[0].starts_with("layout unlabeled: 2 image(s) directly inside")
            && ds.warnings[0].contains("no set of LABEL_ name prefixes")
            && ds.warnings[0].contains("the labels come from the template"),
        "{:?}",
        ds.warnings
    );
    // Mixed with class folders: folders win, and the images left out are said.
    touch(
        root,
        &[
            "mixed/cat/a.jpg",
            "mixed/dog/b.jpg",
            "mixed/x.jpg",
            "mixed/y.jpg",
        ],
    );
    let ds = scan(&root.join("mixed"), None).expect("scan");
    assert_eq!(ds.layout, Layout::Folders);
    assert_eq!(ds.classes(), ["cat", "dog"]);
    assert_eq!(
        ds.warnings[0],
        "layout folders: the 2 sub-folder(s) with images are the classes; the 2 image(s) directly inside have no class folder and are left out (--layout unlabeled classifies every image, without labels)"
    );
    // Forced: every image, truth unknown, and no sentence about a choice not made.
    let ds = scan(&root.join("mixed"), Some(Layout::Unlabeled)).expect("scan");
    assert_eq!(ds.items.len(), 4);
    assert!(ds.items.iter().all(|i| i.truth.is_empty()));
    assert!(
        ds.warnings.iter().all(|w| !w.starts_with("layout")),
        "{:?}",
        ds.warnings
    );
    // A prefix dataset still needs two prefixes or more.
    touch(root, &["pre/cat_1.jpg", "pre/dog_2.jpg"]);
    assert_eq!(
        scan(&root.join("pre"), None).expect("scan").layout,
        Layout::Prefix
    );
}
