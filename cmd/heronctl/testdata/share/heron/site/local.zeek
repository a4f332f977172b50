# Site policy of the command tests.
@load protocols/conn/vlan-logging
redef Site::local_nets += { 192.168.0.0/16 };
