redef tcp_inactivity_timeout = 30 min;
