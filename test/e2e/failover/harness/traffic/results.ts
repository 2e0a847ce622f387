// What the traffic processes report (their result files, JSON) and how they are told what to do
// (their one command-line argument, JSON). Shared by the processes and the analysis.
import type { FlowKind } from './frame.js';

export interface ClientConfig {
  /** Namespace name, for messages. */
  readonly host: string;
  readonly server: string;
  readonly tcpPort: number;
  readonly udpPort: number;
  readonly ftpPort: number;
  readonly tcpFlows: number;
  readonly udpFlows: number;
  /** Local ports the first flows bind explicitly (the same list on tom and jerry: SNAT to the
   *  one WAN VIP must remap one flow of each pair). */
  readonly tcpLocalPorts: readonly number[];
  readonly udpLocalPorts: readonly number[];
  readonly firstFlowId: number;
  readonly intervalMs: number;
  /** Runs one FTP session (active mode) with a data connection streaming all along. */
  readonly ftp: boolean;
  /** The client's own address, written into the FTP PORT command. */
  readonly localAddress: string;
  /** A TCP service on the LAN host that the outside must not reach through the firewall. */
  readonly lanServicePort?: number;
  /** Concurrent connection attempts while opening the TCP flows. */
  readonly connectConcurrency: number;
  readonly resultFile: string;
}

export interface ServerConfig {
  readonly tcpPort: number;
  readonly udpPort: number;
  readonly ftpPort: number;
  readonly ftpDataIntervalMs: number;
  readonly resultFile: string;
}

export interface FlowRecord {
  readonly flowId: number;
  readonly kind: FlowKind;
  readonly host: string;
  /** Local port on the client (before NAT). */
  readonly localPort: number;
  /** Bound to a port from the shared collision list. */
  readonly collides: boolean;
  /** Times of every successful echo (data frame for ftp-data), epoch ms. */
  readonly echoes: readonly number[];
  readonly sent: number;
  /** Echoes that did not match what was sent (wrong flow, sequence or bytes), with times
   *  (the first 100). */
  readonly badEchoes: readonly { readonly at: number; readonly what: string }[];
  /** Echoes of a frame already echoed (UDP: the network may duplicate a datagram). */
  readonly duplicates: number;
  /** Socket errors and closes, with times (epoch ms). */
  readonly errors: readonly { readonly at: number; readonly what: string }[];
}

export interface ClientResult {
  readonly host: string;
  readonly flows: readonly FlowRecord[];
  /** Second FTP transfer requested after a takeover (SIGUSR2): did a new data connection work? */
  readonly ftpLateTransfers: readonly { readonly at: number; readonly ok: boolean; readonly detail: string }[];
  /** Transfers whose PORT was answered at armedAt (SIGHUP: the expectation made, before a switch)
   *  and whose RETR went out at `at` (SIGUSR2, after it): did the data connection come in? */
  readonly ftpPendingTransfers: readonly { readonly armedAt: number; readonly at: number; readonly ok: boolean; readonly detail: string }[];
}

/** What the server saw of one flow: the translated source (after SNAT) and every change of it. */
export interface ServerFlowView {
  readonly flowId: number;
  readonly kind: FlowKind;
  readonly address: string;
  readonly port: number;
  /** A later datagram or connection of the same flow from another address or port. */
  readonly changes: readonly { readonly at: number; readonly address: string; readonly port: number }[];
}

export interface ServerResult {
  readonly flows: readonly ServerFlowView[];
  /** Address and port each FTP PORT command named (the helper rewrites it to the WAN VIP). */
  readonly ftpPortCommands: readonly { readonly at: number; readonly address: string; readonly port: number }[];
  readonly ftpDataConnections: number;
}

/** One line a traffic process writes on stdout. */
export type TrafficEvent =
  | { readonly event: 'ready' }
  /** The FTP client's PORT for a pending transfer was answered (SIGHUP asked for it). */
  | { readonly event: 'armed'; readonly at: number }
  | { readonly event: 'live'; readonly at: number; readonly live: number; readonly total: number }
  | { readonly event: 'error'; readonly message: string }
  | { readonly event: 'done' };
