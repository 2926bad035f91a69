#include "virtbus-client.h"

#include "virtbus-error.h"

/**
 * SECTION:virtbus-client
 * @title: VirtbusClient
 * @short_description: A connection to virtbus
 *
 * A #VirtbusClient connects to a message bus (the system bus unless told
 * otherwise), reads every object virtbus publishes with one
 * GetManagedObjects() call and then follows them: its object manager holds
 * a #VirtbusObjectProxy per object with typed interface proxies
 * (#VirtbusDomain, #VirtbusNetwork, #VirtbusStoragePool,
 * #VirtbusStorageVolume, #VirtbusJob, #VirtbusSnapshot) whose properties
 * change as the service reports changes. virtbus_client_get_manager() gives
 * the #VirtbusManager proxy for defining and creating objects.
 *
 * The objects and their proxies emit their signals in the thread-default
 * main context of the thread that called virtbus_client_new_sync() (or one of
 * the other _sync constructors). The _async constructors initialize the
 * object manager in a worker thread, as #GDBusObjectManagerClient does, so
 * that the objects' signals come in the global default main context.
 */

struct _VirtbusClient {
  GObject parent;
  GBusType bus_type;
  char *address;
  GDBusConnection *connection;
  GDBusObjectManager *object_manager;
  VirtbusManager *manager;
  gboolean initialized;
  GError *init_error;
};

enum {
  PROP_0,
  PROP_BUS_TYPE,
  PROP_ADDRESS,
  PROP_CONNECTION,
  PROP_OBJECT_MANAGER,
  PROP_MANAGER,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void initable_iface_init (GInitableIface *iface);
static void async_initable_iface_init (GAsyncInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (VirtbusClient, virtbus_client, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, initable_iface_init)
                                 G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE,
                                                        async_initable_iface_init))

#define CONNECTION_FLAGS \
  (G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION)

/* Without an owner every call would fail with an error about the bus, not
 * about virtbus: say so once, here. The proxies asked the bus to start an
 * activatable service already. */
static gboolean
check_owner (VirtbusClient *self, GError **error)
{
  g_autofree char *owner = g_dbus_object_manager_client_get_name_owner (
    G_DBUS_OBJECT_MANAGER_CLIENT (self->object_manager));

  if (owner)
    return TRUE;
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN,
               "virtbus is not running: nobody owns %s on this bus", VIRTBUS_BUS_NAME);
  return FALSE;
}

/* Records the outcome of the first initialization, which a second one
 * reports again (GInitable's contract). */
static gboolean
init_done (VirtbusClient *self, GError *error)
{
  self->initialized = TRUE;
  self->init_error = error;
  return error == NULL;
}

static gboolean
init_again (VirtbusClient *self, GError **error)
{
  if (self->init_error)
    {
      g_propagate_error (error, g_error_copy (self->init_error));
      return FALSE;
    }
  return TRUE;
}

static gboolean
initable_init (GInitable *initable, GCancellable *cancellable, GError **error)
{
  VirtbusClient *self = VIRTBUS_CLIENT (initable);
  GError *local = NULL;

  if (self->initialized)
    return init_again (self, error);
  if (!self->connection)
    self->connection = self->address
                         ? g_dbus_connection_new_for_address_sync (self->address, CONNECTION_FLAGS,
                                                                   NULL, cancellable, &local)
                         : g_bus_get_sync (self->bus_type, cancellable, &local);
  if (self->connection)
    self->object_manager = virtbus_object_manager_client_new_sync (
      self->connection, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, VIRTBUS_BUS_NAME,
      VIRTBUS_MANAGER_PATH, cancellable, &local);
  if (self->object_manager)
    self->manager =
      virtbus_manager_proxy_new_sync (self->connection, G_DBUS_PROXY_FLAGS_NONE, VIRTBUS_BUS_NAME,
                                      VIRTBUS_MANAGER_PATH, cancellable, &local);
  if (self->manager)
    check_owner (self, &local);
  if (!init_done (self, local))
    return init_again (self, error);
  return TRUE;
}

static void
initable_iface_init (GInitableIface *iface)
{
  iface->init = initable_init;
}

/* The asynchronous initialization, step by step: connection, object
 * manager, Manager proxy. */
static void init_fail (GTask *task, GError *error);

static void
manager_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  VirtbusClient *self = g_task_get_source_object (task);
  GError *error = NULL;

  self->manager = virtbus_manager_proxy_new_finish (result, &error);
  if (!self->manager || !check_owner (self, &error))
    {
      init_fail (g_steal_pointer (&task), error);
      return;
    }
  init_done (self, NULL);
  g_task_return_boolean (task, TRUE);
}

static void
object_manager_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  VirtbusClient *self = g_task_get_source_object (task);
  GCancellable *cancellable;
  GError *error = NULL;

  self->object_manager = virtbus_object_manager_client_new_finish (result, &error);
  if (!self->object_manager)
    {
      init_fail (g_steal_pointer (&task), error);
      return;
    }
  cancellable = g_task_get_cancellable (task);
  virtbus_manager_proxy_new (self->connection, G_DBUS_PROXY_FLAGS_NONE, VIRTBUS_BUS_NAME,
                             VIRTBUS_MANAGER_PATH, cancellable, manager_ready,
                             g_steal_pointer (&task));
}

static void
connected (VirtbusClient *self, GTask *task)
{
  virtbus_object_manager_client_new (self->connection, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                     VIRTBUS_BUS_NAME, VIRTBUS_MANAGER_PATH,
                                     g_task_get_cancellable (task), object_manager_ready, task);
}

static void
connection_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  VirtbusClient *self = g_task_get_source_object (task);
  GError *error = NULL;

  self->connection = self->address ? g_dbus_connection_new_for_address_finish (result, &error)
                                   : g_bus_get_finish (result, &error);
  if (!self->connection)
    {
      init_fail (g_steal_pointer (&task), error);
      return;
    }
  connected (self, g_steal_pointer (&task));
}

static void
init_fail (GTask *task, GError *error)
{
  g_autoptr (GTask) owned = task;

  init_done (g_task_get_source_object (task), g_error_copy (error));
  g_task_return_error (owned, error);
}

static void
init_async (GAsyncInitable *initable, int io_priority, GCancellable *cancellable,
            GAsyncReadyCallback callback, gpointer user_data)
{
  VirtbusClient *self = VIRTBUS_CLIENT (initable);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, init_async);
  g_task_set_priority (task, io_priority);
  if (self->initialized)
    {
      if (init_again (self, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, error);
    }
  else if (self->connection)
    connected (self, g_steal_pointer (&task));
  else if (self->address)
    g_dbus_connection_new_for_address (self->address, CONNECTION_FLAGS, NULL, cancellable,
                                       connection_ready, g_steal_pointer (&task));
  else
    g_bus_get (self->bus_type, cancellable, connection_ready, g_steal_pointer (&task));
}

static gboolean
init_finish (GAsyncInitable *initable, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, initable), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == init_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
async_initable_iface_init (GAsyncInitableIface *iface)
{
  iface->init_async = init_async;
  iface->init_finish = init_finish;
}

static void
virtbus_client_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  VirtbusClient *self = VIRTBUS_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BUS_TYPE:
      g_value_set_enum (value, self->bus_type);
      break;
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
      break;
    case PROP_OBJECT_MANAGER:
      g_value_set_object (value, self->object_manager);
      break;
    case PROP_MANAGER:
      g_value_set_object (value, self->manager);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
virtbus_client_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  VirtbusClient *self = VIRTBUS_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BUS_TYPE:
      self->bus_type = g_value_get_enum (value);
      break;
    case PROP_ADDRESS:
      self->address = g_value_dup_string (value);
      break;
    case PROP_CONNECTION:
      self->connection = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
virtbus_client_finalize (GObject *object)
{
  VirtbusClient *self = VIRTBUS_CLIENT (object);

  g_clear_object (&self->manager);
  g_clear_object (&self->object_manager);
  g_clear_object (&self->connection);
  g_clear_error (&self->init_error);
  g_free (self->address);
  G_OBJECT_CLASS (virtbus_client_parent_class)->finalize (object);
}

static void
virtbus_client_class_init (VirtbusClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = virtbus_client_get_property;
  object_class->set_property = virtbus_client_set_property;
  object_class->finalize = virtbus_client_finalize;

  /**
   * VirtbusClient:bus-type:
   *
   * The message bus to connect to when neither #VirtbusClient:address nor
   * #VirtbusClient:connection is given: %G_BUS_TYPE_SYSTEM by default.
   */
  props[PROP_BUS_TYPE] =
    g_param_spec_enum ("bus-type", NULL, NULL, G_TYPE_BUS_TYPE, G_BUS_TYPE_SYSTEM, construct);
  /**
   * VirtbusClient:address:
   *
   * The address of the message bus to connect to (a D-Bus address such as
   * `unix:path=/run/dbus/system_bus_socket`), or %NULL.
   */
  props[PROP_ADDRESS] = g_param_spec_string ("address", NULL, NULL, NULL, construct);
  /**
   * VirtbusClient:connection:
   *
   * The connection to the message bus virtbus is on.
   */
  props[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, G_TYPE_DBUS_CONNECTION, construct);
  /**
   * VirtbusClient:object-manager:
   *
   * The #VirtbusObjectManagerClient following virtbus's objects.
   */
  props[PROP_OBJECT_MANAGER] =
    g_param_spec_object ("object-manager", NULL, NULL, G_TYPE_DBUS_OBJECT_MANAGER,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * VirtbusClient:manager:
   *
   * The proxy of virtbus's Manager.
   */
  props[PROP_MANAGER] = g_param_spec_object ("manager", NULL, NULL, VIRTBUS_TYPE_MANAGER,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /* Errors of calls through the client's proxies get virtbus's domain. */
  (void) virtbus_error_quark ();
}

static void
virtbus_client_init (VirtbusClient *self)
{
  self->bus_type = G_BUS_TYPE_SYSTEM;
}

/**
 * virtbus_client_new_sync:
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Connects to virtbus on the system bus, which starts virtbusd if it is
 * installed as an activatable service. Blocks until the client holds every
 * object of the service.
 *
 * Returns: (transfer full): the client, or %NULL with @error set (a
 *   %G_DBUS_ERROR_SERVICE_UNKNOWN when virtbus is not on the bus).
 */
VirtbusClient *
virtbus_client_new_sync (GCancellable *cancellable, GError **error)
{
  return virtbus_client_new_for_bus_sync (G_BUS_TYPE_SYSTEM, cancellable, error);
}

/**
 * virtbus_client_new_async:
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the client is ready
 * @user_data: data for @callback
 *
 * Connects to virtbus on the system bus without blocking; @callback gets the
 * client from virtbus_client_new_finish().
 */
void
virtbus_client_new_async (GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_async_initable_new_async (VIRTBUS_TYPE_CLIENT, G_PRIORITY_DEFAULT, cancellable, callback,
                              user_data, "bus-type", G_BUS_TYPE_SYSTEM, NULL);
}

/**
 * virtbus_client_new_finish:
 * @result: the #GAsyncResult given to the callback of virtbus_client_new_async()
 * @error: return location for an error
 *
 * Returns: (transfer full): the client, or %NULL with @error set.
 */
VirtbusClient *
virtbus_client_new_finish (GAsyncResult *result, GError **error)
{
  g_autoptr (GObject) source = g_async_result_get_source_object (result);

  return VIRTBUS_CLIENT (g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, error));
}

/**
 * virtbus_client_new_for_bus_sync:
 * @bus_type: %G_BUS_TYPE_SYSTEM, or %G_BUS_TYPE_SESSION for a virtbusd
 *   running on the session bus
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * As virtbus_client_new_sync(), on the bus @bus_type.
 *
 * Returns: (transfer full): the client, or %NULL with @error set.
 */
VirtbusClient *
virtbus_client_new_for_bus_sync (GBusType bus_type, GCancellable *cancellable, GError **error)
{
  return g_initable_new (VIRTBUS_TYPE_CLIENT, cancellable, error, "bus-type", bus_type, NULL);
}

/**
 * virtbus_client_new_for_bus_async:
 * @bus_type: the message bus virtbus is on
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the client is ready
 * @user_data: data for @callback
 *
 * As virtbus_client_new_async(), on the bus @bus_type; @callback gets the
 * client from virtbus_client_new_for_bus_finish().
 */
void
virtbus_client_new_for_bus_async (GBusType bus_type, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  g_async_initable_new_async (VIRTBUS_TYPE_CLIENT, G_PRIORITY_DEFAULT, cancellable, callback,
                              user_data, "bus-type", bus_type, NULL);
}

/**
 * virtbus_client_new_for_bus_finish:
 * @result: the #GAsyncResult given to the callback of virtbus_client_new_for_bus_async()
 * @error: return location for an error
 *
 * Returns: (transfer full): the client, or %NULL with @error set.
 */
VirtbusClient *
virtbus_client_new_for_bus_finish (GAsyncResult *result, GError **error)
{
  return virtbus_client_new_finish (result, error);
}

/**
 * virtbus_client_new_for_address_sync:
 * @address: a D-Bus address, e.g. `unix:path=/path/to/bus`
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * As virtbus_client_new_sync(), on the message bus at @address (the private
 * bus of `./dev.sh run`, a test's bus).
 *
 * Returns: (transfer full): the client, or %NULL with @error set.
 */
VirtbusClient *
virtbus_client_new_for_address_sync (const char *address, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (address != NULL, NULL);
  return g_initable_new (VIRTBUS_TYPE_CLIENT, cancellable, error, "address", address, NULL);
}

/**
 * virtbus_client_new_for_address_async:
 * @address: a D-Bus address
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the client is ready
 * @user_data: data for @callback
 *
 * As virtbus_client_new_for_address_sync() without blocking; @callback gets
 * the client from virtbus_client_new_for_address_finish().
 */
void
virtbus_client_new_for_address_async (const char *address, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (address != NULL);
  g_async_initable_new_async (VIRTBUS_TYPE_CLIENT, G_PRIORITY_DEFAULT, cancellable, callback,
                              user_data, "address", address, NULL);
}

/**
 * virtbus_client_new_for_address_finish:
 * @result: the #GAsyncResult given to the callback of virtbus_client_new_for_address_async()
 * @error: return location for an error
 *
 * Returns: (transfer full): the client, or %NULL with @error set.
 */
VirtbusClient *
virtbus_client_new_for_address_finish (GAsyncResult *result, GError **error)
{
  return virtbus_client_new_finish (result, error);
}

/**
 * virtbus_client_new_for_connection_sync:
 * @connection: a connection to the message bus virtbus is on
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * As virtbus_client_new_sync(), on a connection the caller already has.
 *
 * Returns: (transfer full): the client, or %NULL with @error set.
 */
VirtbusClient *
virtbus_client_new_for_connection_sync (GDBusConnection *connection, GCancellable *cancellable,
                                        GError **error)
{
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  return g_initable_new (VIRTBUS_TYPE_CLIENT, cancellable, error, "connection", connection, NULL);
}

/**
 * virtbus_client_new_for_connection_async:
 * @connection: a connection to the message bus virtbus is on
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the client is ready
 * @user_data: data for @callback
 *
 * As virtbus_client_new_for_connection_sync() without blocking; @callback
 * gets the client from virtbus_client_new_for_connection_finish().
 */
void
virtbus_client_new_for_connection_async (GDBusConnection *connection, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));
  g_async_initable_new_async (VIRTBUS_TYPE_CLIENT, G_PRIORITY_DEFAULT, cancellable, callback,
                              user_data, "connection", connection, NULL);
}

/**
 * virtbus_client_new_for_connection_finish:
 * @result: the #GAsyncResult given to the callback of virtbus_client_new_for_connection_async()
 * @error: return location for an error
 *
 * Returns: (transfer full): the client, or %NULL with @error set.
 */
VirtbusClient *
virtbus_client_new_for_connection_finish (GAsyncResult *result, GError **error)
{
  return virtbus_client_new_finish (result, error);
}

/**
 * virtbus_client_get_connection:
 * @client: a #VirtbusClient
 *
 * Returns: (transfer none): the client's connection to the message bus.
 */
GDBusConnection *
virtbus_client_get_connection (VirtbusClient *client)
{
  g_return_val_if_fail (VIRTBUS_IS_CLIENT (client), NULL);
  return client->connection;
}

/**
 * virtbus_client_get_object_manager:
 * @client: a #VirtbusClient
 *
 * The object manager that holds every object virtbus publishes, each a
 * #VirtbusObjectProxy: list them with g_dbus_object_manager_get_objects(),
 * follow them with its #GDBusObjectManager::object-added and
 * #GDBusObjectManager::object-removed signals.
 *
 * Returns: (transfer none): the client's #VirtbusObjectManagerClient.
 */
GDBusObjectManager *
virtbus_client_get_object_manager (VirtbusClient *client)
{
  g_return_val_if_fail (VIRTBUS_IS_CLIENT (client), NULL);
  return client->object_manager;
}

/**
 * virtbus_client_get_manager:
 * @client: a #VirtbusClient
 *
 * Returns: (transfer none): the proxy of virtbus's Manager, at
 *   %VIRTBUS_MANAGER_PATH.
 */
VirtbusManager *
virtbus_client_get_manager (VirtbusClient *client)
{
  g_return_val_if_fail (VIRTBUS_IS_CLIENT (client), NULL);
  return client->manager;
}

/**
 * virtbus_client_get_object:
 * @client: a #VirtbusClient
 * @object_path: an object path, such as a method returns
 *
 * The object at @object_path as the client holds it. An object a method
 * has just returned may not be there yet: the client learns of it from a
 * signal it handles in its main context.
 *
 * Returns: (transfer full) (nullable): the object, or %NULL when the client
 *   holds none at @object_path.
 */
VirtbusObject *
virtbus_client_get_object (VirtbusClient *client, const char *object_path)
{
  g_return_val_if_fail (VIRTBUS_IS_CLIENT (client), NULL);
  g_return_val_if_fail (g_variant_is_object_path (object_path), NULL);
  return VIRTBUS_OBJECT (g_dbus_object_manager_get_object (client->object_manager, object_path));
}
