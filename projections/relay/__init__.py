"""The relay: every event of the log, from a checkpoint of its own, published to a broker.

``messages`` reads the log and turns events into messages (JSON bodies keyed by event id),
``sink`` is what a broker must offer (open, publish a batch and wait for its acknowledgement,
close), ``jetstream`` is the NATS JetStream sink, ``relay`` the loop that moves the checkpoint
only after the broker acknowledged a batch. Another broker is one more Sink class.
"""
