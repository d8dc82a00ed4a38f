// Package layers holds no code: its test checks the direction of the
// imports between leakwatch's packages (see layers_test.go), so that no
// reviewer has to.
package layers
