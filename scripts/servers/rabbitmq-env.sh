# The environment that makes RabbitMQ's tools address the node whose state is in DIR (sourced, not run).
# Usage: . scripts/servers/rabbitmq-env.sh DIR PORT
export HOME="$1/home"
export RABBITMQ_NODENAME="vcore-$2@localhost"
export RABBITMQ_MNESIA_BASE="$1/mnesia"
export RABBITMQ_LOG_BASE="$1/log"
export RABBITMQ_CONFIG_FILE="$1/rabbitmq.conf"
export RABBITMQ_ENABLED_PLUGINS_FILE="$1/enabled_plugins"
export RABBITMQ_ENABLED_PLUGINS=""
export RABBITMQ_DIST_PORT=$(($2 + 20000))
export ERL_EPMD_PORT=$(($2 - 1300))
export ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
