// Watch: a channel played in the page. mpegts.js reads the MPEG-TS stream over HTTP (the same
// /auto/vN a tuner client reads, so the page counts as a viewer and takes a tuner like one) and
// feeds it to the video element through Media Source Extensions. The player is loaded on the
// first visit only: it is most of the console's bytes.

import { api } from "../api.js";
import { copyField, episodeLabel, h, percentDone, time } from "../dom.js";

let playerLibrary = null;

function loadPlayerLibrary() {
  playerLibrary ??= new Promise((resolve, reject) => {
    const script = h("script", { src: "/console/vendor/mpegts.js" });
    script.onload = () => resolve(window.mpegts);
    script.onerror = () => {
      playerLibrary = null;
      reject(new Error("could not load the player"));
    };
    document.head.append(script);
  });
  return playerLibrary;
}

function onAir(channel) {
  const now = channel.now;
  return h("div", { class: "on-air" },
    now
      ? h("p", {}, h("strong", {}, "Now: "), `${now.title}`, episodeLabel(now) ? ` (${episodeLabel(now)})` : "",
        ` · ${time(now.start)} – ${time(now.stop)}`,
        h("progress", { max: 100, value: percentDone(now).toFixed(1), "aria-label": "Progress" }))
      : h("p", {}, "Nothing scheduled now"),
    channel.next ? h("p", {}, h("strong", {}, "Next: "), `${time(channel.next.start)} ${channel.next.title}`) : null);
}

export async function mount(root, { events, args, toast }) {
  const { channels } = await api.get("/api/v1/channels");
  const number = Number(args[0] ?? channels[0]?.number);
  const channel = channels.find((c) => c.number === number);
  const picker = h("select", { id: "watch-channel" },
    channels.map((c) => h("option", { value: c.number, selected: c.number === number }, `${c.number} ${c.name}`)));
  picker.addEventListener("change", () => (location.hash = `#/watch/${picker.value}`));
  root.append(h("h1", {}, "Watch"), h("div", { class: "toolbar" }, h("label", { for: "watch-channel" }, "Channel"), picker));
  if (!channel) {
    root.append(h("p", { class: "error", role: "alert" }, channels.length ? `No channel ${args[0]}` : "No channels"));
    return null;
  }
  const video = h("video", { id: "player", controls: true, muted: true, autoplay: true, playsinline: true, "aria-label": `${channel.name} live` });
  video.muted = true;
  const state = h("p", { class: "player-state", role: "status" }, "Starting…");
  const info = h("div", { class: "info" }, onAir(channel));
  root.append(video, state, info,
    h("details", { class: "urls" }, h("summary", {}, "Stream URLs for other players"),
      copyField("HDHomeRun", channel.stream_urls.hdhomerun), copyField("IPTV", channel.stream_urls.iptv)));

  let player = null;
  const mpegts = await loadPlayerLibrary();
  if (!mpegts.getFeatureList().mseLivePlayback) {
    state.textContent = "This browser cannot play live MPEG-TS (no Media Source Extensions); use a stream URL below in VLC.";
  } else {
    mpegts.LoggingControl.enableVerbose = false;
    mpegts.LoggingControl.enableDebug = false;
    mpegts.LoggingControl.enableInfo = false;
    player = mpegts.createPlayer(
      { type: "mpegts", isLive: true, url: `/auto/v${number}` },
      { enableStashBuffer: false, liveBufferLatencyChasing: true, autoCleanupSourceBuffer: true },
    );
    player.on(mpegts.Events.ERROR, (type, detail, data) => {
      const reason = data?.code === 503 ? "all tuners are in use" : `${type}: ${detail}`;
      state.textContent = `Playback stopped: ${reason}`;
      toast(`Playback stopped: ${reason}`, "error");
    });
    player.attachMediaElement(video);
    player.load();
    video.addEventListener("playing", () => (state.textContent = "Playing"), { once: true });
    video.play().catch(() => (state.textContent = "Press play to start"));
  }

  const refresh = async () => {
    const fresh = await api.get(`/api/v1/channels/${number}`);
    info.replaceChildren(onAir(fresh));
  };
  const off = events.on(["item_start", "override_start", "override_end"], (event) => {
    if (!event || event.channel === number || event.channel === null) refresh().catch(() => {});
  });
  return () => {
    off();
    if (player) {
      player.pause();
      player.unload();
      player.detachMediaElement();
      player.destroy();
    }
  };
}
