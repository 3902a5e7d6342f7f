/** Strings of sign-in, sessions, accounts, SPID/CIE and business linking. Every key in `it` must exist in `en`. */
export const it = {
  "register.error.nameLong": "Il nome può avere al massimo 100 caratteri: scrivi solo nome e cognome",
  "register.error.nameCharacters":
    "Il nome contiene caratteri non ammessi (a capo, tabulazioni o caratteri invisibili): scrivilo di nuovo a mano",
  "register.error.passwordEmail":
    "La password non può contenere il tuo indirizzo email: scegline una diversa",
  "register.error.passwordDemo":
    "Questa password è pubblica (è quella degli account dimostrativi): scegline una tua",
  "register.error.passwordRepeated":
    "La password è troppo semplice (lo stesso carattere o la stessa sequenza ripetuti): usa una frase con parole diverse",
  "register.sent.title": "Controlla la tua posta",
  "register.sent.text":
    "Abbiamo inviato un messaggio all'indirizzo che hai indicato: contiene le istruzioni per accedere. Se non lo trovi, controlla la cartella della posta indesiderata.",
  "register.oidc":
    "Le imprese, i professionisti e le associazioni accedono con SPID o CIE: il primo accesso crea l'account, senza registrazione.",
  "business.link.title": "Aggiungi un'impresa",
  "business.link.lead":
    "Indica i dati dell'impresa per cui presenti le pratiche, come risultano dal Registro delle imprese.",
  "business.link.action": "Aggiungi un'impresa",
  "business.link.submit": "Aggiungi l'impresa",
  "business.link.taken":
    "Un'impresa con questo codice fiscale è già registrata sul portale: chiedi al suo legale rappresentante di aggiungerti, oppure scrivi al SUAP",
  "business.link.added": "Impresa aggiunta.",
  "business.member.title": "Chi può agire per l'impresa",
  "business.member.rep": "legale rappresentante",
  "business.member.member": "persona aggiunta dal legale rappresentante",
  "business.member.fiscalCode": "Codice fiscale della persona da aggiungere",
  "business.member.hint": "16 caratteri. La persona deve aver già effettuato l'accesso con SPID o CIE.",
  "business.member.submit": "Aggiungi la persona",
  "business.member.added": "Persona aggiunta: ora può presentare pratiche per l'impresa.",
  "oidc.error.title": "Accesso non riuscito",
  "oidc.error.retry": "Torna alla pagina di accesso",
  "oidc.error.state":
    "La richiesta di accesso è scaduta, è già stata usata o è stata avviata da un altro browser. Per sicurezza non l'abbiamo accettata: ricomincia dalla pagina di accesso.",
  "oidc.error.provider_error":
    "Il gestore dell'identità non ha completato l'accesso (ad esempio perché l'hai annullato). Ricomincia dalla pagina di accesso.",
  "oidc.error.code":
    "Il codice di accesso ricevuto non è più valido (forse è già stato usato). Ricomincia dalla pagina di accesso.",
  "oidc.error.token":
    "La risposta del gestore dell'identità non ha superato i controlli di sicurezza (firma, emittente, destinatario o scadenza). Non ti abbiamo fatto entrare: riprova tra qualche minuto e, se si ripete, scrivi al SUAP.",
  "oidc.error.loa":
    "Il livello di sicurezza dell'accesso è troppo basso: per il portale SUAP serve SPID di livello 2 (o CIE). Riprova scegliendo l'accesso con conferma tramite app o SMS.",
  "oidc.error.fiscal_code":
    "Il gestore dell'identità non ci ha comunicato il tuo codice fiscale, che serve a riconoscerti. Riprova e acconsenti all'invio dei dati richiesti.",
  "oidc.error.unavailable":
    "Il servizio di accesso con SPID e CIE non risponde in questo momento. Riprova tra qualche minuto.",
  "login.spid": "Entra con SPID",
  "login.cie": "Entra con CIE",
  "login.spid.lead": "Imprese, professionisti e associazioni accedono con la propria identità digitale.",
  "login.spid.heading": "Accedi con SPID o CIE",
  "login.spid.help": "Non hai SPID?",
  "login.cie.help": "Non hai la CIE?",
  "login.staff.heading": "Personale del SUAP e degli enti",
  "login.staff.lead": "Accesso con email e password, per chi lavora le pratiche.",
  "login.error.useSpid":
    "Le imprese, i professionisti e le associazioni accedono con SPID o CIE: usa i pulsanti in questa pagina.",
  "login.renew": "Per confermare un invio con valore legale serve un accesso recente: accedi di nuovo.",
};

export const en: Record<keyof typeof it, string> = {
  "register.error.nameLong":
    "The name can be at most 100 characters long: write only your first and last name",
  "register.error.nameCharacters":
    "The name contains characters that are not allowed (line breaks, tabs or invisible characters): type it again",
  "register.error.passwordEmail": "The password cannot contain your e-mail address: choose another one",
  "register.error.passwordDemo":
    "This password is public (it is the demo accounts' password): choose your own",
  "register.error.passwordRepeated":
    "The password is too simple (the same character or sequence repeated): use a phrase with different words",
  "register.sent.title": "Check your mail",
  "register.sent.text":
    "We have sent a message to the address you gave: it tells you how to sign in. If you cannot find it, check your spam folder.",
  "register.oidc":
    "Businesses, professionals and associations sign in with SPID or CIE: the first sign-in creates the account, no registration needed.",
  "business.link.title": "Add a business",
  "business.link.lead":
    "Enter the details of the business you file for, as recorded in the Business Register.",
  "business.link.action": "Add a business",
  "business.link.submit": "Add the business",
  "business.link.taken":
    "A business with this tax code is already registered on the portal: ask its legal representative to add you, or write to the SUAP",
  "business.link.added": "Business added.",
  "business.member.title": "Who can act for the business",
  "business.member.rep": "legal representative",
  "business.member.member": "person added by the legal representative",
  "business.member.fiscalCode": "Tax code of the person to add",
  "business.member.hint": "16 characters. The person must have signed in once with SPID or CIE.",
  "business.member.submit": "Add the person",
  "business.member.added": "Person added: they can now file for the business.",
  "oidc.error.title": "Sign-in failed",
  "oidc.error.retry": "Back to the sign-in page",
  "oidc.error.state":
    "The sign-in request has expired, was already used or was started in another browser. For your safety we did not accept it: start again from the sign-in page.",
  "oidc.error.provider_error":
    "The identity provider did not complete the sign-in (for example because you cancelled it). Start again from the sign-in page.",
  "oidc.error.code":
    "The sign-in code received is no longer valid (it may have been used already). Start again.",
  "oidc.error.token":
    "The identity provider's answer failed the security checks (signature, issuer, audience or expiry). You were not signed in: try again in a few minutes and, if it happens again, write to the SUAP.",
  "oidc.error.loa":
    "The sign-in's level of assurance is too low: the SUAP portal needs SPID level 2 (or CIE). Try again choosing confirmation by app or SMS.",
  "oidc.error.fiscal_code":
    "The identity provider did not send your tax code, which we need to recognise you. Try again and allow the requested data to be sent.",
  "oidc.error.unavailable":
    "Sign-in with SPID and CIE is not answering right now. Try again in a few minutes.",
  "login.spid": "Sign in with SPID",
  "login.cie": "Sign in with CIE",
  "login.spid.lead": "Businesses, professionals and associations sign in with their digital identity.",
  "login.spid.heading": "Sign in with SPID or CIE",
  "login.spid.help": "No SPID yet?",
  "login.cie.help": "No CIE yet?",
  "login.staff.heading": "SUAP and agency staff",
  "login.staff.lead": "E-mail and password, for those who handle the pratiche.",
  "login.error.useSpid":
    "Businesses, professionals and associations sign in with SPID or CIE: use the buttons on this page.",
  "login.renew": "Sending something with legal effect needs a recent sign-in: please sign in again.",
};
