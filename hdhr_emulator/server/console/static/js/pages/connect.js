// Connect: how to add this tuner to each client, with the address the server advertises
// (discover.json's BaseURL: --advertise-url, or the address this page was reached at), never
// localhost unless the page itself was opened there.

import { api } from "../api.js";
import { copyField, h } from "../dom.js";

function client(name, steps, fields) {
  return h("section", { class: "client" }, h("h2", {}, name),
    h("ol", {}, steps.map((s) => h("li", {}, s))), fields);
}

export async function mount(root) {
  const device = await api.get("/discover.json");
  const { channels } = await api.get("/api/v1/channels");
  const base = device.BaseURL;
  const host = new URL(base).host;
  const first = channels[0]?.number ?? 1;
  const xmltv = `${base}/xmltv.xml`;
  const m3u = `${base}/iptv.m3u`;
  const loopback = /^(localhost|127\.|\[::1\])/.test(new URL(base).hostname);
  root.append(
    h("h1", {}, "Connect"),
    h("p", {}, `${device.FriendlyName}: ${device.TunerCount} tuners, ${channels.length} channels.`),
    copyField("Address (BaseURL)", base),
    copyField("DeviceID", device.DeviceID),
    loopback ? h("p", { class: "warning", role: "note" },
      "This is a loopback address: other machines cannot use it. Open this page at the server's LAN address, or start the server with --advertise-url http://HOST:PORT.") : null,
    client("Plex", [
      "Settings → Live TV & DVR → Set up Plex DVR.",
      "If the tuner is not found, choose “Don't see your HDHomeRun device? Enter its network address manually” and enter the address below.",
      "For the guide choose “Have an XMLTV guide on your server? Click here to use that instead” and enter the XMLTV URL.",
    ], [copyField("Network address", host), copyField("XMLTV guide", xmltv)]),
    client("Jellyfin", [
      "Dashboard → Live TV → Tuner Devices → + → Tuner type “HD Homerun”, and enter the tuner URL.",
      "TV Guide Data Providers → + → XMLTV, and enter the guide URL.",
    ], [copyField("Tuner URL", base), copyField("XMLTV guide", xmltv)]),
    client("Emby", [
      "Settings → Live TV → Add TV source → HDHomeRun, and enter the tuner URL.",
      "Add TV guide data provider → XmlTV, and enter the guide URL.",
    ], [copyField("Tuner URL", base), copyField("XMLTV guide", xmltv)]),
    client("Channels DVR", [
      "Settings → Sources → Add Source → HDHomeRun: the tuner is found on the LAN (DeviceID above).",
      "If it is not found: Add Source → M3U Playlist with the playlist URL, and XMLTV guide data with the guide URL.",
    ], [copyField("M3U playlist", m3u), copyField("XMLTV guide", xmltv)]),
    client("VLC", [
      "Media → Open Network Stream, and enter the playlist URL (all channels) or one channel's stream URL.",
    ], [copyField("Playlist", m3u), copyField(`Channel ${first}`, `${base}/auto/v${first}`)]),
    client("Kodi", [
      "Add-ons → Install from repository → PVR clients → IPTV Simple Client.",
      "Configure → M3U playlist URL and XMLTV (EPG) URL below, then enable it and restart Kodi.",
    ], [copyField("M3U playlist URL", m3u), copyField("XMLTV URL", xmltv)]),
  );
  return null;
}
