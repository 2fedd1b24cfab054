"""The real vendor SDKs against the simulator: replies, errors and signatures as the vendors document them."""
