//! The MovieLens releases fetch-data knows: where each is, its zip's size and checksums.
//! SHA-256 values are those tensorflow/datasets lists in `url_checksums/movielens.txt`; MD5
//! values are GroupLens's own `.md5` files. Where the table has neither, GroupLens's `.md5` file
//! beside the zip is downloaded and used.

use std::fmt::Write;

use anyhow::bail;

use super::Expected;

/// One release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    pub name: &'static str,
    pub zip_bytes: Option<u64>,
    pub sha256: Option<&'static str>,
    pub md5: Option<&'static str>,
    /// What the release holds, for `--list`.
    pub shape: &'static str,
    pub licence: &'static str,
}

const GROUPLENS: &str = "https://files.grouplens.org/datasets/movielens";

/// GroupLens's terms common to every release (each README.txt says them in full).
const RESEARCH_ONLY: &str = "research use only, no commercial use without permission; no \
endorsement by the University of Minnesota or GroupLens implied; cite F. Maxwell Harper and \
Joseph A. Konstan, \"The MovieLens Datasets: History and Context\", ACM TiiS 5(4), 2015. Read the \
README in the folder for the full terms, including whether you may redistribute the data.";

const NO_REDISTRIBUTION: &str = "research use only; the data may not be redistributed without \
separate permission; no endorsement implied; cite F. Maxwell Harper and Joseph A. Konstan, \
\"The MovieLens Datasets: History and Context\", ACM TiiS 5(4), 2015 (README in the folder).";

const REDISTRIBUTABLE: &str = "research use only, no commercial use without permission; \
redistribution, including transformations such as a trained model, is allowed under these same \
conditions; no endorsement implied; cite F. Maxwell Harper and Joseph A. Konstan, \"The MovieLens \
Datasets: History and Context\", ACM TiiS 5(4), 2015 (README.txt in the folder).";

pub const RELEASES: [Release; 8] = [
    Release {
        name: "ml-100k",
        zip_bytes: Some(4_924_029),
        sha256: Some("50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229"),
        md5: Some("0e33842e24a9c977be4e0107933c0723"),
        shape: "100,000 ratings, 943 users, 1,682 movies; whole stars; 1998",
        licence: NO_REDISTRIBUTION,
    },
    Release {
        name: "ml-1m",
        zip_bytes: Some(5_917_549),
        sha256: Some("a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20"),
        md5: Some("c4d9eecfca2ab87c1945afe126590906"),
        shape: "1,000,209 ratings, 6,040 users, 3,883 movies; whole stars; 2003",
        licence: NO_REDISTRIBUTION,
    },
    Release {
        name: "ml-10m",
        zip_bytes: None,
        sha256: None,
        md5: Some("ce571fd55effeba0271552578f2648bd"),
        shape: "10,000,054 ratings, 71,567 users, 10,681 movies; half stars; 2009",
        licence: RESEARCH_ONLY,
    },
    Release {
        name: "ml-20m",
        zip_bytes: Some(198_702_078),
        sha256: Some("96f243c338a8665f6bcc89c53edf6ee39162a846940de6b7c8c48aeada765ff3"),
        md5: Some("cd245b17a1ae2cc31bb14903e1204af3"),
        shape: "20,000,263 ratings, 138,493 users, 27,278 movies; half stars; 2015",
        licence: RESEARCH_ONLY,
    },
    Release {
        name: "ml-25m",
        zip_bytes: Some(261_978_986),
        sha256: Some("8b21cfb7eb1706b4ec0aac894368d90acf26ebdfb6aced3ebd4ad5bd1eb9c6aa"),
        md5: Some("6b51fb2759a8657d3bfcbfc42b592ada"),
        shape: "25,000,095 ratings, 162,541 users, 62,423 movies; half stars; 2019",
        licence: RESEARCH_ONLY,
    },
    Release {
        name: "ml-32m",
        zip_bytes: None,
        sha256: None,
        md5: None,
        shape: "32,000,204 ratings, 200,948 users, 87,585 movies; half stars; 2023",
        licence: RESEARCH_ONLY,
    },
    Release {
        name: "ml-latest-small",
        zip_bytes: Some(978_202),
        sha256: Some("696d65a3dfceac7c45750ad32df2c259311949efec81f0f144fdfb91ebc9e436"),
        md5: None,
        shape: "about 100,000 ratings, 600 users, 9,700 movies; half stars; changes over time",
        licence: REDISTRIBUTABLE,
    },
    Release {
        name: "ml-latest",
        zip_bytes: None,
        sha256: None,
        md5: None,
        shape: "the full latest release (over 30 million ratings); half stars; changes over time",
        licence: RESEARCH_ONLY,
    },
];

impl Release {
    pub fn named(name: &str) -> anyhow::Result<Release> {
        match RELEASES.iter().find(|r| r.name == name) {
            Some(r) => Ok(*r),
            None => bail!(
                "unknown release {}: expected one of {} (`fetch-data --list`)",
                movierec::data::shown(name),
                RELEASES.map(|r| r.name).join(", ")
            ),
        }
    }

    pub fn url(&self) -> String {
        format!("{GROUPLENS}/{}.zip", self.name)
    }

    /// What this release's zip must match: the table's SHA-256 and size, else its MD5, else
    /// what `md5_file` (GroupLens's `.md5` beside the zip) says.
    pub fn expected(
        &self,
        md5_file: impl FnOnce() -> anyhow::Result<String>,
    ) -> anyhow::Result<Expected> {
        Ok(match (self.sha256, self.md5) {
            (Some(hex), _) => Expected::Sha256 {
                hex: hex.into(),
                bytes: self.zip_bytes,
            },
            (None, Some(hex)) => Expected::Md5 { hex: hex.into() },
            (None, None) => Expected::Md5 { hex: md5_file()? },
        })
    }
}

/// `--list`'s table.
pub fn table() -> String {
    let mut out = String::from("release          zip bytes    checked by   holds\n");
    for r in RELEASES {
        let bytes = r.zip_bytes.map_or("—".into(), |b| b.to_string());
        let check = match (r.sha256, r.md5) {
            (Some(_), _) => "SHA-256",
            (None, Some(_)) => "MD5",
            (None, None) => "MD5 file",
        };
        let _ = writeln!(out, "{:<16} {bytes:>11}  {check:<11}  {}", r.name, r.shape);
    }
    out
}
