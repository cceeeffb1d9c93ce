"""How clients find the tuner: HDHomeRun UDP/TCP 65001, SSDP and mDNS listeners."""
