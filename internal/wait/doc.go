// Package wait has the one sleep every waiting loop uses: one that ends
// early when its context does.
package wait
