#ifndef	_interop_server_
#define	_interop_server_

/* Module interop */

#include <string.h>
#include <mach/ndr.h>
#include <mach/boolean.h>
#include <mach/kern_return.h>
#include <mach/notify.h>
#include <mach/mach_types.h>
#include <mach/message.h>
#include <mach/mig_errors.h>
#include <mach/port.h>
	
/* BEGIN VOUCHER CODE */

#ifndef KERNEL
#if defined(__has_include)
#if __has_include(<mach/mig_voucher_support.h>)
#ifndef USING_VOUCHERS
#define USING_VOUCHERS
#endif
#ifndef __VOUCHER_FORWARD_TYPE_DECLS__
#define __VOUCHER_FORWARD_TYPE_DECLS__
#ifdef __cplusplus
extern "C" {
#endif
#ifndef __VOUCHER_FOWARD_TYPE_DECLS_SINGLE_ATTR
#define __VOUCHER_FOWARD_TYPE_DECLS_SINGLE_ATTR __unsafe_indexable
#endif
	extern boolean_t voucher_mach_msg_set(mach_msg_header_t * msg) __attribute__((weak_import));
#ifdef __cplusplus
}
#endif
#endif // __VOUCHER_FORWARD_TYPE_DECLS__
#endif // __has_include(<mach/mach_voucher_types.h>)
#endif // __has_include
#endif // !KERNEL
	
/* END VOUCHER CODE */

	
/* BEGIN MIG_STRNCPY_ZEROFILL CODE */

#if defined(__has_include)
#if __has_include(<mach/mig_strncpy_zerofill_support.h>)
#ifndef USING_MIG_STRNCPY_ZEROFILL
#define USING_MIG_STRNCPY_ZEROFILL
#endif
#ifndef __MIG_STRNCPY_ZEROFILL_FORWARD_TYPE_DECLS__
#define __MIG_STRNCPY_ZEROFILL_FORWARD_TYPE_DECLS__
#ifdef __cplusplus
extern "C" {
#endif
#ifndef __MIG_STRNCPY_ZEROFILL_FORWARD_TYPE_DECLS_CSTRING_ATTR
#define __MIG_STRNCPY_ZEROFILL_FORWARD_TYPE_DECLS_CSTRING_COUNTEDBY_ATTR(C) __unsafe_indexable
#endif
	extern int mig_strncpy_zerofill(char * dest, const char * src, int len) __attribute__((weak_import));
#ifdef __cplusplus
}
#endif
#endif /* __MIG_STRNCPY_ZEROFILL_FORWARD_TYPE_DECLS__ */
#endif /* __has_include(<mach/mig_strncpy_zerofill_support.h>) */
#endif /* __has_include */
	
/* END MIG_STRNCPY_ZEROFILL CODE */


#ifdef AUTOTEST
#ifndef FUNCTION_PTR_T
#define FUNCTION_PTR_T
typedef void (*function_ptr_t)(mach_port_t, char *, mach_msg_type_number_t);
typedef struct {
        char            * name;
        function_ptr_t  function;
} function_table_entry;
typedef function_table_entry   *function_table_t;
#endif /* FUNCTION_PTR_T */
#endif /* AUTOTEST */

#ifndef	interop_MSG_COUNT
#define	interop_MSG_COUNT	15
#endif	/* interop_MSG_COUNT */

#include <mach/std_types.h>
#include <mach/mig.h>
#include <mach/mach_types.h>
#include "interop_types.h"

#ifdef __BeforeMigServerHeader
__BeforeMigServerHeader
#endif /* __BeforeMigServerHeader */

#ifndef MIG_SERVER_ROUTINE
#define MIG_SERVER_ROUTINE
#endif


/* Routine echo */
#ifdef	mig_external
mig_external
#else
extern
#endif	/* mig_external */
MIG_SERVER_ROUTINE
kern_return_t srv_echo
(
	mach_port_t server,
	ip_name_t text,
	ip_name_t reply
);

/* Routine sum */
#ifdef	mig_external
mig_external
#else
extern
#endif	/* mig_external */
MIG_SERVER_ROUTINE
kern_return_t srv_sum
(
	mach_port_t server,
	uint64_t first,
	ip_words_t values,
	mach_msg_type_number_t valuesCnt,
	int64_t *total,
	uint32_t *count
);

/* Routine label */
#ifdef	mig_external
mig_external
#else
extern
#endif	/* mig_external */
MIG_SERVER_ROUTINE
kern_return_t srv_label
(
	mach_port_t server,
	ip_label_t tag,
	ip_triple_t triple,
	ip_label_t tag_back,
	ip_triple_t triple_back
);

/* Routine blob */
#ifdef	mig_external
mig_external
#else
extern
#endif	/* mig_external */
MIG_SERVER_ROUTINE
kern_return_t srv_blob
(
	mach_port_t server,
	vm_offset_t data,
	mach_msg_type_number_t dataCnt,
	uint64_t *fnv,
	vm_offset_t *copy,
	mach_msg_type_number_t *copyCnt
);

/* Routine give */
#ifdef	mig_external
mig_external
#else
extern
#endif	/* mig_external */
MIG_SERVER_ROUTINE
kern_return_t srv_give
(
	mach_port_t server,
	mach_port_t owner,
	mach_port_t made,
	mach_port_t *back
);

/* Routine rights */
#ifdef	mig_external
mig_external
#else
extern
#endif	/* mig_external */
MIG_SERVER_ROUTINE
kern_return_t srv_rights
(
	mach_port_t server,
	ip_send_rights_t list,
	mach_msg_type_number_t listCnt,
	uint32_t *count
);

/* SimpleRoutine note */
#ifdef	mig_external
mig_external
#else
extern
#endif	/* mig_external */
MIG_SERVER_ROUTINE
kern_return_t srv_note
(
	mach_port_t server,
	int32_t value
);

/* Routine two */
#ifdef	mig_external
mig_external
#else
extern
#endif	/* mig_external */
MIG_SERVER_ROUTINE
kern_return_t srv_two
(
	mach_port_t server,
	ip_words_t a,
	mach_msg_type_number_t aCnt,
	ip_words_t b,
	mach_msg_type_number_t bCnt,
	ip_words_t c,
	mach_msg_type_number_t *cCnt
);

/* Routine moves */
#ifdef	mig_external
mig_external
#else
extern
#endif	/* mig_external */
MIG_SERVER_ROUTINE
kern_return_t srv_moves
(
	mach_port_t server,
	mach_port_t recv,
	mach_port_t once,
	mach_port_t poly,
	mach_msg_type_name_t polyPoly,
	mach_port_t *once_back
);

/* Routine portpair */
#ifdef	mig_external
mig_external
#else
extern
#endif	/* mig_external */
MIG_SERVER_ROUTINE
kern_return_t srv_portpair
(
	mach_port_t server,
	ip_pair_t p,
	ip_made_t back,
	mach_msg_type_number_t *backCnt
);

/* Routine polyrights */
#ifdef	mig_external
mig_external
#else
extern
#endif	/* mig_external */
MIG_SERVER_ROUTINE
kern_return_t srv_polyrights
(
	mach_port_t server,
	ip_poly_rights_t list,
	mach_msg_type_name_t listPoly,
	mach_msg_type_number_t listCnt,
	uint32_t *kind,
	uint32_t *count
);

/* Routine same */
#ifdef	mig_external
mig_external
#else
extern
#endif	/* mig_external */
MIG_SERVER_ROUTINE
kern_return_t srv_same
(
	mach_port_t server,
	ip_words_t a,
	mach_msg_type_number_t aCnt,
	ip_halves_t b,
	int64_t *total
);

/* Routine whoami */
#ifdef	mig_external
mig_external
#else
extern
#endif	/* mig_external */
MIG_SERVER_ROUTINE
kern_return_t srv_whoami
(
	mach_port_t server,
	audit_token_t caller,
	mach_port_seqno_t seqno,
	security_token_t token,
	int32_t *pid,
	uint32_t *euid
);

/* Routine handlers */
#ifdef	mig_external
mig_external
#else
extern
#endif	/* mig_external */
MIG_SERVER_ROUTINE
kern_return_t srv_handlers
(
	mach_port_t server,
	int32_t mask,
	ip_masks_t masks,
	mach_msg_type_number_t *masksCnt,
	ip_handlers_t old_handlers,
	ip_masks_t old_behaviors
);

/* Routine whoareyou */
#ifdef	mig_external
mig_external
#else
extern
#endif	/* mig_external */
MIG_SERVER_ROUTINE
kern_return_t srv_whoareyou
(
	mach_port_t server,
	int32_t *pid
);

#ifdef	mig_external
mig_external
#else
extern
#endif	/* mig_external */
boolean_t interop_server(
		mach_msg_header_t *InHeadP,
		mach_msg_header_t *OutHeadP);

#ifdef	mig_external
mig_external
#else
extern
#endif	/* mig_external */
mig_routine_t interop_server_routine(
		mach_msg_header_t *InHeadP);


/* Description of this subsystem, for use in direct RPC */
extern const struct srv_interop_subsystem {
	mig_server_routine_t	server;	/* Server routine */
	mach_msg_id_t	start;	/* Min routine number */
	mach_msg_id_t	end;	/* Max routine number + 1 */
	unsigned int	maxsize;	/* Max msg size */
	vm_address_t	reserved;	/* Reserved */
	struct routine_descriptor	/* Array of routine descriptors */
		routine[15];
} srv_interop_subsystem;

/* typedefs for all requests */

#ifndef __Request__interop_subsystem__defined
#define __Request__interop_subsystem__defined

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		NDR_record_t NDR;
		mach_msg_type_number_t textOffset; /* MiG doesn't use it */
		mach_msg_type_number_t textCnt;
		char text[64];
	} __Request__echo_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		NDR_record_t NDR;
		uint64_t first;
		mach_msg_type_number_t valuesCnt;
		int32_t values[16];
	} __Request__sum_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		NDR_record_t NDR;
		ip_label_t tag;
		ip_triple_t triple;
		char triplePad[2];
	} __Request__label_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		/* start of the kernel processed data */
		mach_msg_body_t msgh_body;
		mach_msg_ool_descriptor_t data;
		/* end of the kernel processed data */
		NDR_record_t NDR;
		mach_msg_type_number_t dataCnt;
	} __Request__blob_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		/* start of the kernel processed data */
		mach_msg_body_t msgh_body;
		mach_msg_port_descriptor_t owner;
		mach_msg_port_descriptor_t made;
		/* end of the kernel processed data */
	} __Request__give_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		/* start of the kernel processed data */
		mach_msg_body_t msgh_body;
		mach_msg_ool_ports_descriptor_t list;
		/* end of the kernel processed data */
		NDR_record_t NDR;
		mach_msg_type_number_t listCnt;
	} __Request__rights_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		NDR_record_t NDR;
		int32_t value;
	} __Request__note_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		NDR_record_t NDR;
		mach_msg_type_number_t aCnt;
		int32_t a[16];
		mach_msg_type_number_t bCnt;
		int32_t b[16];
	} __Request__two_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		/* start of the kernel processed data */
		mach_msg_body_t msgh_body;
		mach_msg_port_descriptor_t recv;
		mach_msg_port_descriptor_t once;
		mach_msg_port_descriptor_t poly;
		/* end of the kernel processed data */
	} __Request__moves_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		/* start of the kernel processed data */
		mach_msg_body_t msgh_body;
		mach_msg_port_descriptor_t p[2];
		/* end of the kernel processed data */
	} __Request__portpair_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		/* start of the kernel processed data */
		mach_msg_body_t msgh_body;
		mach_msg_ool_ports_descriptor_t list;
		/* end of the kernel processed data */
		NDR_record_t NDR;
		mach_msg_type_number_t listCnt;
	} __Request__polyrights_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		NDR_record_t NDR;
		mach_msg_type_number_t aCnt;
		int32_t a[16];
		int16_t b[16];
	} __Request__same_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
	} __Request__whoami_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		NDR_record_t NDR;
		int32_t mask;
	} __Request__handlers_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
	} __Request__whoareyou_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif
#endif /* !__Request__interop_subsystem__defined */


/* union of all requests */

#ifndef __RequestUnion__srv_interop_subsystem__defined
#define __RequestUnion__srv_interop_subsystem__defined
union __RequestUnion__srv_interop_subsystem {
	__Request__echo_t Request_echo;
	__Request__sum_t Request_sum;
	__Request__label_t Request_label;
	__Request__blob_t Request_blob;
	__Request__give_t Request_give;
	__Request__rights_t Request_rights;
	__Request__note_t Request_note;
	__Request__two_t Request_two;
	__Request__moves_t Request_moves;
	__Request__portpair_t Request_portpair;
	__Request__polyrights_t Request_polyrights;
	__Request__same_t Request_same;
	__Request__whoami_t Request_whoami;
	__Request__handlers_t Request_handlers;
	__Request__whoareyou_t Request_whoareyou;
};
#endif /* __RequestUnion__srv_interop_subsystem__defined */
/* typedefs for all replies */

#ifndef __Reply__interop_subsystem__defined
#define __Reply__interop_subsystem__defined

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		NDR_record_t NDR;
		kern_return_t RetCode;
		mach_msg_type_number_t replyOffset; /* MiG doesn't use it */
		mach_msg_type_number_t replyCnt;
		char reply[64];
	} __Reply__echo_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		NDR_record_t NDR;
		kern_return_t RetCode;
		int64_t total;
		uint32_t count;
	} __Reply__sum_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		NDR_record_t NDR;
		kern_return_t RetCode;
		ip_label_t tag_back;
		ip_triple_t triple_back;
		char triple_backPad[2];
	} __Reply__label_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		/* start of the kernel processed data */
		mach_msg_body_t msgh_body;
		mach_msg_ool_descriptor_t copy;
		/* end of the kernel processed data */
		NDR_record_t NDR;
		uint64_t fnv;
		mach_msg_type_number_t copyCnt;
	} __Reply__blob_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		/* start of the kernel processed data */
		mach_msg_body_t msgh_body;
		mach_msg_port_descriptor_t back;
		/* end of the kernel processed data */
	} __Reply__give_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		NDR_record_t NDR;
		kern_return_t RetCode;
		uint32_t count;
	} __Reply__rights_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		NDR_record_t NDR;
		kern_return_t RetCode;
	} __Reply__note_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		NDR_record_t NDR;
		kern_return_t RetCode;
		mach_msg_type_number_t cCnt;
		int32_t c[16];
	} __Reply__two_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		/* start of the kernel processed data */
		mach_msg_body_t msgh_body;
		mach_msg_port_descriptor_t once_back;
		/* end of the kernel processed data */
	} __Reply__moves_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		/* start of the kernel processed data */
		mach_msg_body_t msgh_body;
		mach_msg_port_descriptor_t back[4];
		/* end of the kernel processed data */
		NDR_record_t NDR;
		mach_msg_type_number_t backCnt;
	} __Reply__portpair_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		NDR_record_t NDR;
		kern_return_t RetCode;
		uint32_t kind;
		uint32_t count;
	} __Reply__polyrights_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		NDR_record_t NDR;
		kern_return_t RetCode;
		int64_t total;
	} __Reply__same_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		NDR_record_t NDR;
		kern_return_t RetCode;
		int32_t pid;
		uint32_t euid;
	} __Reply__whoami_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		/* start of the kernel processed data */
		mach_msg_body_t msgh_body;
		mach_msg_port_descriptor_t old_handlers[8];
		/* end of the kernel processed data */
		NDR_record_t NDR;
		mach_msg_type_number_t masksCnt;
		int32_t masks[8];
		int32_t old_behaviors[8];
	} __Reply__handlers_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif

#ifdef  __MigPackStructs
#pragma pack(push, 4)
#endif
	typedef struct {
		mach_msg_header_t Head;
		NDR_record_t NDR;
		kern_return_t RetCode;
		int32_t pid;
	} __Reply__whoareyou_t __attribute__((unused));
#ifdef  __MigPackStructs
#pragma pack(pop)
#endif
#endif /* !__Reply__interop_subsystem__defined */


/* union of all replies */

#ifndef __ReplyUnion__srv_interop_subsystem__defined
#define __ReplyUnion__srv_interop_subsystem__defined
union __ReplyUnion__srv_interop_subsystem {
	__Reply__echo_t Reply_echo;
	__Reply__sum_t Reply_sum;
	__Reply__label_t Reply_label;
	__Reply__blob_t Reply_blob;
	__Reply__give_t Reply_give;
	__Reply__rights_t Reply_rights;
	__Reply__note_t Reply_note;
	__Reply__two_t Reply_two;
	__Reply__moves_t Reply_moves;
	__Reply__portpair_t Reply_portpair;
	__Reply__polyrights_t Reply_polyrights;
	__Reply__same_t Reply_same;
	__Reply__whoami_t Reply_whoami;
	__Reply__handlers_t Reply_handlers;
	__Reply__whoareyou_t Reply_whoareyou;
};
#endif /* __ReplyUnion__srv_interop_subsystem__defined */

#ifndef subsystem_to_name_map_interop
#define subsystem_to_name_map_interop \
    { "echo", 4200 },\
    { "sum", 4201 },\
    { "label", 4202 },\
    { "blob", 4203 },\
    { "give", 4204 },\
    { "rights", 4205 },\
    { "note", 4206 },\
    { "two", 4207 },\
    { "moves", 4208 },\
    { "portpair", 4209 },\
    { "polyrights", 4210 },\
    { "same", 4211 },\
    { "whoami", 4212 },\
    { "handlers", 4213 },\
    { "whoareyou", 4214 }
#endif

#ifdef __AfterMigServerHeader
__AfterMigServerHeader
#endif /* __AfterMigServerHeader */

#endif	 /* _interop_server_ */
