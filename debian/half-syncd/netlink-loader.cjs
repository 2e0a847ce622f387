'use strict';
// Stands in for `node-gyp-build` inside HALF's bundles (scripts/bundle-daemon.ts aliases the
// package name to this file). The `netlink` package loads its N-API binding with
// require('node-gyp-build')(__dirname + '/..'); in a bundle __dirname is not netlink's folder,
// so the binding is looked up instead in netlink/ next to the bundle, with node-gyp-build's own
// rules (prebuilds/<platform>-<arch>/<runtime tags>.node): on a node that is
// /usr/lib/half/netlink/prebuilds/linux-x64/node.napi.node (linux-arm64 on arm64).
// __half_bundle_dir is defined by the bundle's banner (the folder of the running .js file).
//
// The binding is loaded on first use, not when the bundle starts: netlink's raw.js asks for it
// while the bundle's modules are evaluated, and a missing or broken .node file would otherwise
// stop every program of the bundle before its first line, `half-syncd --help` and
// `half-syncd --load-table` (the unit's ExecStopPost, which lifts the takeover guard) included,
// with an uncaught stack trace. Loaded on demand, the error reaches the one socket that needs
// the binding (kernel/netfilter-socket.ts), which names it and its fix.
const path = require('node:path');
const nodeGypBuild = require('../../node_modules/node-gyp-build/node-gyp-build.js');

/* global __half_bundle_dir */
module.exports = function loadNetlinkBinding() {
  let binding;
  const load = () => {
    if (binding !== undefined) return binding;
    const dir = path.join(__half_bundle_dir, 'netlink');
    try {
      binding = nodeGypBuild(dir);
    } catch (error) {
      // Tagged for kernel/netfilter-socket.ts, whose hint then names the package, not the kernel.
      const failure = new Error(`the netlink binding did not load from ${dir}: ${error.message}`, { cause: error });
      failure.code = 'HALF_NETLINK_BINDING';
      throw failure;
    }
    return binding;
  };
  return new Proxy({}, { get: (_target, key) => load()[key] });
};
