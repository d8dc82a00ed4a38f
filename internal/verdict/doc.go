// Package verdict is leakwatch's labelled detection corpus: a synthetic
// company (customers fingerprinted, canaries planted in three partitions)
// and, generated from a fixed seed, a few hundred forum threads and pastes
// written as sellers, buyers, journalists and bystanders write them, on
// MyBB, XenForo and phpBB boards and a paste site, each labelled with what
// an analyst expects: the severity, the canary partitions, the rows.
//
// Its test crawls the sites through the real pipeline (SOCKS proxy,
// crawler, matchers, store) and prints precision and recall per severity;
// it fails on a missed critical or high, on any false critical and on any
// wrong partition.
//
// Every person, address and number here is invented; the email domains are
// reserved (.example, .test).
package verdict
