// libFuzzer's entry for programs that have their own main (compiler-rt's
// FuzzerDriver.cpp; linked in by -sanitize=fuzzer). The harnesses call it from
// their main.swift: SwiftPM renames an executable's entry point and aliases
// `main` to it, which would otherwise hide libFuzzer's own main.
#ifndef REGIME_CFUZZER_H
#define REGIME_CFUZZER_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
