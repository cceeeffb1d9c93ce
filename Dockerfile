# Retrovue: live retro TV channels served as an HDHomeRun tuner.
#   docker build -t retrovue .
#   docker run --network host -v /path/to/media:/media:ro -v retrovue-data:/data retrovue serve --media /media
# Host networking lets Plex/Jellyfin discover the tuner (SSDP/UDP 65001 are broadcast protocols);
# without it, publish 8000 and pass --advertise-url http://<host-ip>:8000.
# The Python the whole suite is run on (3.11.7: PyAV 18.1); 3.12+ would take PyAV 19, whose probe
# is tested too, but only the probe and scanner tests run there.
FROM python:3.11.7-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY setup.cfg pyproject.toml README.md ./
COPY lineup ./lineup
COPY xmltv ./xmltv
COPY hdhr_emulator ./hdhr_emulator
RUN pip install --no-cache-dir .

ENV RETROVUE_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8000
ENTRYPOINT ["retrovue"]
CMD ["serve"]
