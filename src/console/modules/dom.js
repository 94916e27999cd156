// Small helpers: elements, times in China time, yuan, query strings.
/* global document, URLSearchParams, FormData, Node, crypto */
import { state } from './state.js';

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

/** Builds an element; text is always text (no HTML from data ever reaches innerHTML). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'class') el.className = v;
    else if (k === 'value' || k === 'checked') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export const pad = (n) => String(n).padStart(2, '0');
// Times as an office in China reads them, whatever the browser's zone: 北京时间 (UTC+8, no summer
// time), the zone said with every time, deadlines as the day they are (src/domain/china-time.ts).
export const chinaWall = (iso) => new Date(Date.parse(iso) + 8 * 3600_000).toISOString();
/** "2026-12-07 10:27 北京时间" */
export const time = (iso) => (iso ? `${chinaWall(iso).slice(0, 10)} ${chinaWall(iso).slice(11, 16)} 北京时间` : '');
/** "10:27:05 北京时间": a time of today's work (attempts, sign-ins). */
export const clock = (iso) => (iso ? `${chinaWall(iso).slice(11, 19)} 北京时间` : '');
/** "2027-03-31": the China day an instant falls on (a deadline is the end of its day). */
export const day = (iso) => (iso ? chinaWall(iso).slice(0, 10) : '');
/** How long the service waits for the bureau's result before it fetches it (RESULT_WAIT_SECONDS). */
export const resultWait = () => duration(state.config?.resultWaitSeconds ?? 20);
/** 3725 → "1 h 2 min 1小时2分钟"; under a minute in seconds. */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s ${s}秒`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h >= 48) return `${Math.round(h / 24)} days ${Math.round(h / 24)}天`;
  return h ? `${h} h${m ? ` ${m} min` : ''} ${h}小时${m ? `${m}分钟` : ''}` : `${m} min ${m}分钟`;
}
export function yuan(s) {
  if (s === undefined || s === null) return '';
  const [int, dec = '00'] = String(s).split('.');
  return `¥${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${dec}`;
}
export const fenToYuan = (fen) => `${fen < 0 ? '-' : ''}${Math.floor(Math.abs(fen) / 100)}.${pad(Math.abs(fen) % 100)}`;
export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  return q.toString();
}
export function formValues(form) {
  return Object.fromEntries([...new FormData(form).entries()].map(([k, v]) => [k, typeof v === 'string' ? v.trim() : v]));
}
export function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `console-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
