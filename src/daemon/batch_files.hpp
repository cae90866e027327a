// SPDX-License-Identifier: BSD-3-Clause
// The inputs and outputs of a batch run (`flowmeterd -f DIR_OR_GLOB... --output-dir OUT`):
// which files are captures (told by their magic number, not their name), how directories and
// glob patterns expand, and the name of each capture's CSV (`--output-name PATTERN`). Pure
// control-plane code, run once before the batch starts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fm::daemon {

/// What the first bytes of a file say it is.
enum class CaptureMagic {
    Pcap,        ///< libpcap savefile (µs, ns or "modified" record headers, either byte order)
    Pcapng,      ///< pcapng section header block
    NotCapture,  ///< readable, but another format (or shorter than a magic number)
    Unreadable,  ///< cannot be opened or read (`error` says why)
};

/// Reads the first four bytes of `path`. `error` (when not null) receives the reason for
/// Unreadable.
CaptureMagic sniff_capture(const std::string& path, std::string* error = nullptr);

/// One capture of a batch.
struct BatchFile {
    std::string path;     ///< as given or found (DIR/sub/x.pcap)
    std::string rel_dir;  ///< its directory relative to the walked argument ("sub/"), or ""
    std::string name;     ///< file name ("x.pcap")
    std::uint64_t size = 0;
};

/// What the arguments of -f expand to, in a stable order: each argument in command-line order,
/// a directory's entries sorted by name (and walked depth first with `recursive`), a glob's
/// matches sorted. A file reached twice is listed once.
struct BatchListing {
    std::vector<BatchFile> captures;
    /// Files that are not captures, one line each ("notes.txt: not a capture file, skipped").
    std::vector<std::string> skipped;
    /// Arguments or entries that could not be read (no such file, permission denied); these
    /// make the batch fail.
    std::vector<std::string> errors;
};

/// Expands the -f arguments. A plain file is taken as a capture candidate too (a non-capture
/// given by name is skipped like one found in a directory). An argument that is neither an
/// existing path nor a glob with matches is an error. Subdirectories are entered only with
/// `recursive`; hidden entries (".name") are left out of directory walks.
BatchListing list_batch_inputs(const std::vector<std::string>& args, bool recursive);

/// The default --output-name, as the Java CICFlowMeter batch command names its files
/// (`<capture file name>_Flow.csv`), below the capture's directory relative to the walked one.
inline constexpr std::string_view kDefaultOutputName = "{dir}{name}_Flow.csv";

/// Checks an --output-name pattern: known placeholders only ({name}, {stem}, {dir}, {index}),
/// balanced braces, not empty, no absolute path, no "..". Returns the problem or "".
std::string check_output_name(std::string_view pattern);

/// The output path, relative to the output directory, of `file` (the `index`-th capture, from
/// 1): {name} the file name, {stem} the name without its last extension, {dir} the directory
/// relative to the walked argument with a trailing '/' (empty at the top), {index} the number.
/// The pattern must have passed check_output_name().
std::string expand_output_name(std::string_view pattern, const BatchFile& file, std::size_t index);

}  // namespace fm::daemon
