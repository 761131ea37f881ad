// The MIG server of interop.defs (MIG's generated interopServer.c with our routines).
#pragma once

#include <mach/mach.h>

//! What the MIG server's routines record and use; one server runs at a time.
struct interop_mig_server_state {
  mach_port_t receipts = MACH_PORT_NULL;  //!< give() answers a send right made from it
  bool owner_seen = false;                //!< give() got a non-null moved send right
  int note = 0;                           //!< the last note()
  bool receive_seen = false;              //!< moves() got a receive right
  mach_msg_type_name_t poly_type = 0;     //!< what moves()'s polymorphic right arrived as
  char blob_copy[4096] = {};              //!< blob() answers its copy from here
  bool pair_both = false;                 //!< portpair() got two send rights
  mach_port_seqno_t seqno = 0;            //!< whoami()'s MsgSeqno
};

//! Serves \p requests requests on \p port with mach_msg_server_once, as a MIG server
//! does; returns the first failure or MACH_MSG_SUCCESS.
mach_msg_return_t interop_mig_serve(mach_port_t port, int requests, interop_mig_server_state& state);
