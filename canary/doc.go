// Package canary makes synthetic customer records to plant in a data
// partition: realistic enough to be sold along with the real ones, and
// belonging to no real person (emails at a domain the company controls,
// phone numbers in the 555-01XX range reserved for fiction).
package canary
