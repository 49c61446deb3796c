# The broker image: the static nats-server binary and nothing else.
# Context: a directory holding `nats-server` (scripts/build-images prepares it).
FROM scratch
COPY nats-server /nats-server
EXPOSE 4222 6222 8222
ENTRYPOINT ["/nats-server"]
