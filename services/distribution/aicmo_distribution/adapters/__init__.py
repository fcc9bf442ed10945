"""Tables, repositories, the clients of venture and leads, and the delivery channels."""
