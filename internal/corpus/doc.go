// Package corpus finds the team's shared benchmark corpus: the text that
// ../shared/tools/corpusgen (beside the repository) generates, with planted
// values and a ground-truth file, deterministic for a size and seed. Every
// scan benchmark reads it, so that figures compare across days.
package corpus
