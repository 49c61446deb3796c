# The nts image: coordinator, hosts and the example plugins, from one binary.
# Context: a directory holding a Linux x86-64 `nts` binary built against glibc (Debian 12).
# BASE is made locally by scripts/build-images (debootstrap + docker import); with a
# registry, any Debian 12 image works: --build-arg BASE=debian:bookworm-slim.
ARG BASE=nts/base:bookworm
FROM ${BASE}
COPY nts /usr/local/bin/nts
ENV NTS_PROFILE=/etc/nts/profile.json RUST_LOG=info
ENTRYPOINT ["/usr/local/bin/nts"]
